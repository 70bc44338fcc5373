//! The SMS gateway body template: JSON text with `{{to}}`, `{{text}}` and `{{param.NAME}}`
//! placeholders. The template is parsed once at start-up (so a typo is a config error, not a
//! failed delivery) and rendered in one pass per message: substituted values are escaped as
//! JSON string content and never scanned again, so a message text containing quotes,
//! newlines or `{{...}}` cannot break or alter the JSON around it.

/// One piece of a parsed template.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    /// Copied as is.
    Literal(String),
    /// The recipient's phone number.
    To,
    /// The message text.
    Text,
    /// A key of the message's `params` object.
    Param(String),
}

/// A parsed body template, ready to render.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BodyTemplate {
    segments: Vec<Segment>,
}

impl BodyTemplate {
    /// Parses `source`; the error says what is wrong (without naming the config key, which
    /// the caller adds).
    pub fn parse(source: &str) -> Result<Self, String> {
        let mut segments = Vec::new();
        let mut rest = source;
        while let Some(start) = rest.find("{{") {
            if start > 0 {
                segments.push(Segment::Literal(rest[..start].to_owned()));
            }
            let after = &rest[start + 2..];
            let end = after.find("}}").ok_or_else(|| {
                format!("unterminated placeholder at `{}`", preview(&rest[start..]))
            })?;
            let name = after[..end].trim();
            let segment = match name {
                "to" => Segment::To,
                "text" => Segment::Text,
                _ => match name.strip_prefix("param.") {
                    Some(key) if !key.is_empty() => Segment::Param(key.to_owned()),
                    _ => {
                        return Err(format!(
                            "unknown placeholder {{{{{name}}}}} (expected {{{{to}}}}, {{{{text}}}} or {{{{param.NAME}}}})"
                        ))
                    }
                },
            };
            segments.push(segment);
            rest = &after[end + 2..];
        }
        if !rest.is_empty() {
            segments.push(Segment::Literal(rest.to_owned()));
        }
        Ok(Self { segments })
    }

    /// Names of the `{{param.NAME}}` placeholders, in order of appearance.
    pub fn param_names(&self) -> impl Iterator<Item = &str> {
        self.segments.iter().filter_map(|s| match s {
            Segment::Param(name) => Some(name.as_str()),
            _ => None,
        })
    }

    /// Renders the template for one message. `params` is the message's JSON `params`; a
    /// placeholder naming a key it lacks is an error (the message can never be rendered).
    pub fn render(
        &self,
        to: &str,
        text: &str,
        params: &serde_json::Value,
    ) -> Result<String, String> {
        let mut out = String::new();
        for segment in &self.segments {
            match segment {
                Segment::Literal(s) => out.push_str(s),
                Segment::To => push_escaped(&mut out, to),
                Segment::Text => push_escaped(&mut out, text),
                Segment::Param(name) => match params.get(name) {
                    Some(serde_json::Value::String(s)) => push_escaped(&mut out, s),
                    Some(value) => push_escaped(&mut out, &value.to_string()),
                    None => {
                        return Err(format!(
                            "the message has no param `{name}` used by the body template"
                        ))
                    }
                },
            }
        }
        Ok(out)
    }
}

/// Appends `value` escaped as the content of a JSON string (without the quotes).
fn push_escaped(out: &mut String, value: &str) {
    let quoted = serde_json::Value::String(value.to_owned()).to_string();
    // `quoted` always starts and ends with `"`, each one byte long.
    out.push_str(&quoted[1..quoted.len() - 1]);
}

/// The first few characters of `s`, for error messages.
fn preview(s: &str) -> String {
    s.chars().take(24).collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use serde_json::json;

    #[test]
    fn renders_and_escapes() {
        let t = BodyTemplate::parse(
            r#"{"to":"{{to}}","msg":"{{ text }}","code":"{{param.code}}","n":{{param.n}}}"#,
        )
        .unwrap();
        let body = t
            .render(
                "+1 555",
                "say \"hi\"\nnow {{to}}",
                &json!({"code": "12\"3", "n": 7}),
            )
            .unwrap();
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(
            v,
            json!({"to": "+1 555", "msg": "say \"hi\"\nnow {{to}}", "code": "12\"3", "n": 7})
        );
    }

    #[test]
    fn rejects_bad_templates() {
        assert!(BodyTemplate::parse("{{to")
            .unwrap_err()
            .contains("unterminated"));
        assert!(BodyTemplate::parse("{{foo}}")
            .unwrap_err()
            .contains("unknown placeholder {{foo}}"));
        assert!(BodyTemplate::parse("{{param.}}").is_err());
    }

    #[test]
    fn missing_param_is_an_error() {
        let t = BodyTemplate::parse(r#"{"c":"{{param.code}}"}"#).unwrap();
        assert_eq!(t.param_names().collect::<Vec<_>>(), ["code"]);
        assert!(t
            .render("x", "y", &serde_json::Value::Null)
            .unwrap_err()
            .contains("code"));
    }
}
