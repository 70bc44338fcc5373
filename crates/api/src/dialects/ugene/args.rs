//! Typed reads of `args` (or of the query string of a GET call). Every wrong shape is
//! [`codes::BAD_INPUT`]; numbers and booleans are also accepted as strings, since the
//! document itself sends `"pageno": "1"`.

use serde_json::{Map, Value};

use super::codes;

/// Longest string argument accepted (anything longer is refused, not truncated).
const MAX_ARG_CHARS: usize = 4096;

/// A call's arguments.
#[derive(Debug, Clone, Default)]
pub struct Args(Map<String, Value>);

/// A refused argument.
pub type ArgResult<T> = Result<T, &'static str>;

impl Args {
    /// Arguments from a JSON object.
    pub fn new(map: Map<String, Value>) -> Self {
        Self(map)
    }

    fn get(&self, name: &str) -> Option<&Value> {
        self.0.get(name).filter(|v| !v.is_null())
    }

    /// Whether the argument was sent (not null), whatever its shape: a malformed value must
    /// not read as "absent".
    pub fn has(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// An optional string.
    pub fn opt_str(&self, name: &str) -> ArgResult<Option<String>> {
        match self.get(name) {
            None => Ok(None),
            Some(Value::String(s)) if s.chars().count() <= MAX_ARG_CHARS => Ok(Some(s.clone())),
            Some(_) => Err(codes::BAD_INPUT),
        }
    }

    /// A required, non-blank string.
    pub fn str(&self, name: &str) -> ArgResult<String> {
        self.opt_str(name)?
            .filter(|s| !s.trim().is_empty())
            .ok_or(codes::BAD_INPUT)
    }

    /// An optional boolean: `true`/`false`, `1`/`0`, or those as strings.
    pub fn opt_bool(&self, name: &str) -> ArgResult<Option<bool>> {
        match self.get(name) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(Value::Number(n)) => match n.as_i64() {
                Some(1) => Ok(Some(true)),
                Some(0) => Ok(Some(false)),
                _ => Err(codes::BAD_INPUT),
            },
            Some(Value::String(s)) => match s.trim() {
                "true" | "1" => Ok(Some(true)),
                "false" | "0" => Ok(Some(false)),
                _ => Err(codes::BAD_INPUT),
            },
            Some(_) => Err(codes::BAD_INPUT),
        }
    }

    /// A required boolean.
    pub fn bool(&self, name: &str) -> ArgResult<bool> {
        self.opt_bool(name)?.ok_or(codes::BAD_INPUT)
    }

    /// An optional integer: a JSON integer or a decimal string.
    pub fn opt_int(&self, name: &str) -> ArgResult<Option<i64>> {
        match self.get(name) {
            None => Ok(None),
            Some(Value::Number(n)) => n.as_i64().map(Some).ok_or(codes::BAD_INPUT),
            Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
            Some(Value::String(s)) => s.trim().parse().map(Some).map_err(|_| codes::BAD_INPUT),
            Some(_) => Err(codes::BAD_INPUT),
        }
    }

    /// A required integer.
    pub fn int(&self, name: &str) -> ArgResult<i64> {
        self.opt_int(name)?.ok_or(codes::BAD_INPUT)
    }

    /// A list of integers (at most 64).
    pub fn int_list(&self, name: &str) -> ArgResult<Vec<i64>> {
        match self.get(name) {
            None => Ok(Vec::new()),
            Some(Value::Array(items)) if items.len() <= 64 => items
                .iter()
                .map(|v| match v {
                    Value::Number(n) => n.as_i64().ok_or(codes::BAD_INPUT),
                    Value::String(s) => s.trim().parse().map_err(|_| codes::BAD_INPUT),
                    _ => Err(codes::BAD_INPUT),
                })
                .collect(),
            Some(_) => Err(codes::BAD_INPUT),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(json: &str) -> Args {
        match serde_json::from_str(json) {
            Ok(Value::Object(m)) => Args::new(m),
            _ => Args::default(),
        }
    }

    #[test]
    fn loose_scalars_and_strict_shapes() {
        let a = args(r#"{"n":"2","b":"true","c":0,"s":"x","l":[1,"2"],"bad":[{}],"o":{}}"#);
        assert_eq!(a.int("n"), Ok(2));
        assert_eq!(a.bool("b"), Ok(true));
        assert_eq!(a.bool("c"), Ok(false));
        assert_eq!(a.str("s"), Ok("x".to_owned()));
        assert_eq!(a.int_list("l"), Ok(vec![1, 2]));
        assert_eq!(a.int_list("bad"), Err(codes::BAD_INPUT));
        assert_eq!(a.str("o"), Err(codes::BAD_INPUT));
        assert_eq!(a.str("missing"), Err(codes::BAD_INPUT));
        assert_eq!(a.opt_int("missing"), Ok(None));
        assert_eq!(a.bool("s"), Err(codes::BAD_INPUT));
        let long = format!(r#"{{"s":"{}"}}"#, "x".repeat(MAX_ARG_CHARS + 1));
        assert_eq!(args(&long).str("s"), Err(codes::BAD_INPUT));
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        proptest! {
            /// Integers and booleans read the same whether sent as JSON values or as the
            /// strings the document also uses; a non-number is refused, never misread.
            #[test]
            fn loose_scalars_read_the_same_either_way(n in any::<i64>(), b in any::<bool>(), junk in "[^0-9 +-]{1,8}") {
                let as_values = args(&serde_json::json!({ "n": n, "b": b }).to_string());
                let as_strings = args(&serde_json::json!({ "n": n.to_string(), "b": b.to_string() }).to_string());
                prop_assert_eq!(as_values.int("n"), Ok(n));
                prop_assert_eq!(as_strings.int("n"), Ok(n));
                prop_assert_eq!(as_values.bool("b"), Ok(b));
                prop_assert_eq!(as_strings.bool("b"), Ok(b));
                let bad = args(&serde_json::json!({ "n": junk }).to_string());
                prop_assert_eq!(bad.int("n"), Err(codes::BAD_INPUT));
            }
        }
    }
}
