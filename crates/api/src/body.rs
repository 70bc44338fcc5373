//! Request bodies as loose field maps. Dialects read typed fields from them with precise
//! errors (missing, wrong type) instead of a generic deserialisation failure, and the
//! extraction itself never rejects, so every error is rendered in the dialect's format.
//! JSON and `application/x-www-form-urlencoded` bodies are both accepted, as the original
//! frameworks did.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::header::CONTENT_TYPE;
use serde_json::{Map, Value};
use tessera_core::error::FieldError;

/// Why a body could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyError {
    /// Over the configured limit.
    TooLarge,
    /// Not valid JSON / form data, or not UTF-8.
    Malformed,
    /// Valid JSON, but not an object.
    NotAnObject,
}

/// A parsed body: the fields of a JSON object or form.
#[derive(Debug, Clone, Default)]
pub struct Fields(Map<String, Value>);

/// The outcome of reading a body; extraction never fails so the dialect renders errors.
#[derive(Debug)]
pub struct Body(pub Result<Fields, BodyError>);

impl<S: Send + Sync> FromRequest<S> for Body {
    type Rejection = std::convert::Infallible;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let is_form = req
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
        let bytes = match Bytes::from_request(req, state).await {
            Ok(b) => b,
            Err(rejection) => {
                let too_large = rejection.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE;
                return Ok(Self(Err(if too_large {
                    BodyError::TooLarge
                } else {
                    BodyError::Malformed
                })));
            }
        };
        Ok(Self(Fields::parse(&bytes, is_form)))
    }
}

impl Fields {
    /// Parses JSON (or a form when `is_form`); an empty body is an empty object.
    pub fn parse(bytes: &[u8], is_form: bool) -> Result<Self, BodyError> {
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(Self::default());
        }
        if is_form {
            let pairs: Vec<(String, String)> =
                serde_urlencoded::from_bytes(bytes).map_err(|_| BodyError::Malformed)?;
            let mut map = Map::new();
            for (k, v) in pairs {
                match map.get_mut(&k) {
                    Some(Value::Array(items)) => items.push(Value::String(v)),
                    Some(existing) => {
                        let first = existing.take();
                        *existing = Value::Array(vec![first, Value::String(v)]);
                    }
                    None => {
                        map.insert(k, Value::String(v));
                    }
                }
            }
            return Ok(Self(map));
        }
        match serde_json::from_slice::<Value>(bytes) {
            Ok(Value::Object(map)) => Ok(Self(map)),
            Ok(_) => Err(BodyError::NotAnObject),
            Err(_) => Err(BodyError::Malformed),
        }
    }

    /// The fields as a JSON object.
    pub fn into_map(self) -> Map<String, Value> {
        self.0
    }

    /// Whether no field was sent.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The raw value of a field, for nested objects a dialect decodes itself.
    pub fn value(&self, name: &str) -> Option<&Value> {
        self.0.get(name)
    }

    /// Builds fields from query parameters.
    pub fn from_query(query: Option<&str>) -> Self {
        Self::parse(query.unwrap_or("").as_bytes(), true).unwrap_or_default()
    }

    /// An optional string field; numbers are not silently converted.
    pub fn opt_str(&self, name: &'static str) -> Result<Option<String>, FieldError> {
        match self.0.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(FieldError {
                field: name,
                tag: "string",
            }),
        }
    }

    /// A required, non-empty string field.
    pub fn req_str(&self, name: &'static str) -> Result<String, FieldError> {
        match self.opt_str(name)? {
            Some(s) if !s.is_empty() => Ok(s),
            _ => Err(FieldError {
                field: name,
                tag: "required",
            }),
        }
    }

    /// A list of strings (a JSON array, or a repeated form key).
    pub fn str_list(&self, name: &'static str) -> Result<Option<Vec<String>>, FieldError> {
        match self.0.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Array(items)) => items
                .iter()
                .map(|v| {
                    v.as_str().map(str::to_owned).ok_or(FieldError {
                        field: name,
                        tag: "string",
                    })
                })
                .collect::<Result<Vec<_>, _>>()
                .map(Some),
            Some(Value::String(s)) => Ok(Some(vec![s.clone()])),
            Some(_) => Err(FieldError {
                field: name,
                tag: "array",
            }),
        }
    }
}

/// Collects the first error of each field so a response can list them all.
#[derive(Debug, Default)]
pub struct Check(Vec<FieldError>);

impl Check {
    /// A fresh collector.
    pub fn new() -> Self {
        Self::default()
    }

    /// Keeps the value or records the error (returning a default).
    pub fn take<T: Default>(&mut self, r: Result<T, FieldError>) -> T {
        match r {
            Ok(v) => v,
            Err(e) => {
                self.0.push(e);
                T::default()
            }
        }
    }

    /// Records an error.
    pub fn push(&mut self, field: &'static str, tag: &'static str) {
        self.0.push(FieldError { field, tag });
    }

    /// The errors, if any.
    pub fn finish(self) -> Result<(), Vec<FieldError>> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(self.0)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_form_and_hostile_bodies() {
        let f =
            Fields::parse(br#"{"email":"a@b.c","n":1,"tss":["1","2"]}"#, false).unwrap_or_default();
        assert_eq!(f.req_str("email"), Ok("a@b.c".to_owned()));
        assert_eq!(
            f.req_str("n"),
            Err(FieldError {
                field: "n",
                tag: "string"
            })
        );
        assert_eq!(
            f.req_str("missing"),
            Err(FieldError {
                field: "missing",
                tag: "required"
            })
        );
        assert_eq!(
            f.str_list("tss"),
            Ok(Some(vec!["1".to_owned(), "2".to_owned()]))
        );
        let form = Fields::parse(b"email=a%40b.c&tss=1&tss=2", true).unwrap_or_default();
        assert_eq!(form.req_str("email"), Ok("a@b.c".to_owned()));
        assert_eq!(
            form.str_list("tss"),
            Ok(Some(vec!["1".to_owned(), "2".to_owned()]))
        );
        assert_eq!(
            Fields::parse(b"[1,2]", false).err(),
            Some(BodyError::NotAnObject)
        );
        assert_eq!(
            Fields::parse(b"{\"a\":", false).err(),
            Some(BodyError::Malformed)
        );
        assert_eq!(
            Fields::parse(b"\xff\xfe", false).err(),
            Some(BodyError::Malformed)
        );
        assert!(Fields::parse(b"  ", false).is_ok());
    }
}
