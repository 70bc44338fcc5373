//! `tessera_api::body::Fields`: the loose JSON / urlencoded body reader every dialect uses.
//!
//! Input: one flag byte (bit 0: parse as a form), then the body. The fields are read back
//! with `req_str`, `opt_str`, `str_list` and `value` under the names the dialects use, and
//! the body is also read as a query string (`Fields::from_query`).
//!
//! Properties: nothing panics; a form is never "not an object"; `req_str` succeeds only
//! with a non-empty string that `opt_str` gives too; a string field is a one-item list.
#![no_main]

use libfuzzer_sys::fuzz_target;
use serde_json::Value;
use tessera_api::body::{BodyError, Fields};

const NAMES: [&str; 12] = [
    "email", "password", "passwd", "username", "name", "module", "param", "args", "tss", "code",
    "a", "",
];

fn exercise(f: &Fields) {
    for name in NAMES {
        let opt = f.opt_str(name);
        match f.req_str(name) {
            Ok(s) => {
                assert!(!s.is_empty());
                assert_eq!(opt, Ok(Some(s)));
            }
            Err(e) => assert_eq!(e.field, name),
        }
        let list = f.str_list(name);
        if let Ok(Some(s)) = &opt {
            assert_eq!(list, Ok(Some(vec![s.clone()])), "{name}");
        }
        match f.value(name) {
            None | Some(Value::Null) => assert_eq!(opt, Ok(None)),
            Some(Value::String(_)) => assert!(matches!(opt, Ok(Some(_)))),
            Some(_) => assert!(opt.is_err()),
        }
    }
    let _ = f.is_empty();
}

fuzz_target!(|data: &[u8]| {
    let Some((&flags, body)) = data.split_first() else {
        return;
    };
    let is_form = flags & 1 == 1;
    match Fields::parse(body, is_form) {
        Ok(f) => {
            exercise(&f);
            let _ = f.into_map();
        }
        Err(e) => assert!(
            !(is_form && e == BodyError::NotAnObject),
            "a form is always an object"
        ),
    }
    let query = Fields::from_query(Some(&String::from_utf8_lossy(body)));
    exercise(&query);
});
