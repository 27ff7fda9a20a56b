//! Validation of JSON bodies: a walker that reports every bad field at once, and the
//! text rules every user-supplied string follows.

use serde_json::{Map, Value};

use crate::error::FieldError;

/// Walks a JSON object's fields, collecting every error instead of stopping at the first.
pub(crate) struct Fields<'a> {
    object: &'a Map<String, Value>,
    errors: Vec<FieldError>,
}

impl<'a> Fields<'a> {
    pub(crate) fn of(body: &'a Value, allowed: &[&str]) -> Result<Self, Vec<FieldError>> {
        let Value::Object(object) = body else {
            return Err(vec![FieldError::new("body", "must be a JSON object")]);
        };
        let errors = object
            .keys()
            .filter(|key| !allowed.contains(&key.as_str()))
            .map(|key| FieldError::new(key.clone(), "is not a field that can be set here"))
            .collect();
        Ok(Self { object, errors })
    }

    pub(crate) fn parse<T>(
        &mut self,
        name: &str,
        value: &Value,
        parse: impl FnOnce(&str, &Value) -> Result<T, String>,
    ) -> Option<T> {
        parse(name, value)
            .map_err(|detail| self.errors.push(FieldError::new(name, detail)))
            .ok()
    }

    pub(crate) fn required<T>(
        &mut self,
        name: &str,
        parse: impl FnOnce(&str, &Value) -> Result<T, String>,
    ) -> Option<T> {
        match self.object.get(name) {
            None | Some(Value::Null) => {
                self.errors.push(FieldError::new(name, "is required"));
                None
            }
            Some(value) => self.parse(name, value, parse),
        }
    }

    /// Absent: `None`; `null`: `Some(None)`; a value: `Some(Some(v))`.
    pub(crate) fn optional<T>(
        &mut self,
        name: &str,
        parse: impl FnOnce(&str, &Value) -> Result<T, String>,
    ) -> Option<Option<T>> {
        match self.object.get(name) {
            None => None,
            Some(Value::Null) => Some(None),
            Some(value) => self.parse(name, value, parse).map(Some),
        }
    }

    /// A field that may be left out but not cleared.
    pub(crate) fn not_null<T>(
        &mut self,
        name: &str,
        parse: impl FnOnce(&str, &Value) -> Result<T, String>,
    ) -> Option<T> {
        match self.object.get(name) {
            None => None,
            Some(Value::Null) => {
                self.errors.push(FieldError::new(name, "cannot be null"));
                None
            }
            Some(value) => self.parse(name, value, parse),
        }
    }

    /// Reports `name` as bad for `detail`, when a rule spans several fields.
    pub(crate) fn refuse(&mut self, name: &str, detail: impl Into<String>) {
        self.errors.push(FieldError::new(name, detail));
    }

    pub(crate) fn finish(self) -> Result<(), Vec<FieldError>> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(self.errors)
        }
    }
}

pub(crate) fn string(value: &Value) -> Result<&str, String> {
    value.as_str().ok_or_else(|| "must be a string".to_owned())
}

/// Control characters, bidi overrides (which make text read differently than it is stored)
/// and invisible separators (which make two different titles look the same) are refused;
/// `newline_ok` lets text fields keep `\n`, `\t` and `\r`. Zero-width joiners stay
/// allowed: scripts and emoji need them.
pub(crate) fn check_text(text: &str, max: usize, newline_ok: bool) -> Result<(), String> {
    let count = text.chars().count();
    if count > max {
        return Err(format!("must be at most {max} characters (got {count})"));
    }
    let forbidden = |c: char| {
        (c.is_control() && !(newline_ok && matches!(c, '\n' | '\t' | '\r')))
            || matches!(
                c,
                '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200B}' | '\u{2060}' | '\u{FEFF}'
            )
    };
    match text.chars().find(|c| forbidden(*c)) {
        Some(c) => Err(format!(
            "must not contain the control or invisible character U+{:04X}",
            c as u32
        )),
        None => Ok(()),
    }
}

/// One `@`, something on both sides, a dot in the domain, nothing a mail header or a
/// `mailto:` link could be bent with (spaces, controls, `<>`, commas, quotes).
pub(crate) fn email(_: &str, value: &Value) -> Result<String, String> {
    let text = string(value)?;
    check_text(text, super::agency_limits::EMAIL_MAX_CHARS, false)?;
    let bad = |c: char| c.is_whitespace() || matches!(c, '<' | '>' | ',' | ';' | '"' | '\\');
    let valid = match text.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && !domain.contains('@')
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !text.contains(bad)
        }
        None => false,
    };
    if !valid {
        return Err("must be an email address".to_owned());
    }
    Ok(text.to_owned())
}
