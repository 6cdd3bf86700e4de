//! The canonical message: what one record of the NDJSON format holds, how a
//! record is checked, and how a message's id is derived when it has none.
//!
//! Importers produce `serde_json::Value` records; `Message::from_record` is the
//! single gate every record passes before it can reach the index.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use crate::date::{Date, Precision};

/// One message, as stored in the index and printed by `show` and `search`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Message {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub sender: String,
    #[serde(default)]
    pub recipients: Vec<String>,
    /// The date in UTC at its precision (`2016-10-12`, `2016-10-12T15:03:00Z`).
    #[serde(default)]
    pub date: Option<String>,
    #[serde(default)]
    pub date_precision: Option<Precision>,
    pub text: String,
    #[serde(default)]
    pub conversation: Option<String>,
    #[serde(default)]
    pub source: Option<String>,
    #[serde(default)]
    pub url: Option<String>,
    #[serde(default)]
    pub note: Option<String>,
    /// Fields the format does not define, kept as they came. A date given with
    /// an offset other than UTC keeps its original text here as `date_original`.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

const OPTIONAL_STRINGS: [&str; 4] = ["conversation", "source", "url", "note"];

impl Message {
    /// Checks one input record and turns it into a message, or says what is wrong.
    pub fn from_record(record: Value) -> Result<Message, String> {
        let Value::Object(mut map) = record else {
            return Err(format!(
                "expected a JSON object, found {}",
                json_kind(&record)
            ));
        };
        let kind = required(&mut map, "type")?.trim().to_lowercase();
        if kind.is_empty() {
            return Err("field `type` is empty".into());
        }
        let sender = required(&mut map, "sender")?.trim().to_string();
        if sender.is_empty() {
            return Err("field `sender` is empty".into());
        }
        let text = required(&mut map, "text")?;
        let recipients = recipients(map.remove("recipients"))?;
        let date = match optional(&mut map, "date")? {
            None => None,
            Some(raw) => Some((Date::parse(&raw)?, raw)),
        };
        let precision = match optional(&mut map, "date_precision")? {
            None => None,
            Some(p) => Some(p.parse::<Precision>()?),
        };
        let date = match (date, precision) {
            (None, Some(_)) => return Err("`date_precision` is given but `date` is not".into()),
            (None, None) => None,
            (Some((parsed, raw)), p) => {
                let d = match p {
                    Some(p) => parsed.with_precision(p)?,
                    None => parsed,
                };
                // A time of day keeps its original text (offset included)
                // whenever the stored UTC form says it differently.
                if parsed.precision >= Precision::Minute && d.display() != raw.trim() {
                    map.insert("date_original".into(), Value::String(raw));
                }
                Some(d)
            }
        };
        let mut strings = OPTIONAL_STRINGS
            .iter()
            .map(|k| optional(&mut map, k))
            .collect::<Result<Vec<_>, _>>()?
            .into_iter();
        let mut next = || strings.next().flatten().filter(|s| !s.trim().is_empty());
        let (conversation, source, url, note) = (next(), next(), next(), next());
        let id = match map.remove("id") {
            None | Some(Value::Null) => derive_id(&sender, date, &text),
            Some(Value::String(s)) if !s.trim().is_empty() => s.trim().to_string(),
            Some(Value::String(_)) => return Err("field `id` is empty".into()),
            Some(Value::Number(n)) => n.to_string(),
            Some(other) => {
                return Err(format!(
                    "field `id` must be a non-empty string, found {}",
                    json_kind(&other)
                ));
            }
        };
        Ok(Message {
            id,
            kind,
            sender,
            recipients,
            date: date.map(Date::display),
            date_precision: date.map(|d| d.precision),
            text,
            conversation,
            source,
            url,
            note,
            extra: map,
        })
    }

    /// The message's date, if it has one.
    pub fn date(&self) -> Option<Date> {
        let date = Date::parse(self.date.as_deref()?).ok()?;
        match self.date_precision {
            Some(p) => date.with_precision(p).ok(),
            None => Some(date),
        }
    }
}

/// The id of a record that has none: a hash of what makes it the same message,
/// so ingesting the same file twice adds nothing.
pub fn derive_id(sender: &str, date: Option<Date>, text: &str) -> String {
    let mut hash = Sha256::new();
    hash.update(sender.as_bytes());
    hash.update([0]);
    hash.update(date.map(Date::display).unwrap_or_default().as_bytes());
    hash.update([0]);
    hash.update(text.as_bytes());
    let digest = hash.finalize();
    digest[..8].iter().map(|b| format!("{b:02x}")).collect()
}

fn required(map: &mut Map<String, Value>, key: &str) -> Result<String, String> {
    match map.remove(key) {
        None | Some(Value::Null) => Err(format!("missing required field `{key}`")),
        Some(Value::String(s)) => Ok(s),
        Some(other) => Err(format!(
            "field `{key}` must be a string, found {}",
            json_kind(&other)
        )),
    }
}

fn optional(map: &mut Map<String, Value>, key: &str) -> Result<Option<String>, String> {
    match map.remove(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(other) => Err(format!(
            "field `{key}` must be a string, found {}",
            json_kind(&other)
        )),
    }
}

fn recipients(value: Option<Value>) -> Result<Vec<String>, String> {
    let items = match value {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::String(s)) => vec![Value::String(s)],
        Some(Value::Array(items)) => items,
        Some(other) => {
            return Err(format!(
                "field `recipients` must be an array of strings, found {}",
                json_kind(&other)
            ));
        }
    };
    let mut names = Vec::with_capacity(items.len());
    for item in items {
        match item {
            Value::String(s) if !s.trim().is_empty() => names.push(s.trim().to_string()),
            Value::String(_) => {}
            other => {
                return Err(format!(
                    "field `recipients` must hold strings, found {}",
                    json_kind(&other)
                ));
            }
        }
    }
    Ok(names)
}

fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_full_record_round_trips_and_keeps_unknown_fields() {
        let m = Message::from_record(json!({
            "id": "x1", "type": "DM", "sender": "WikiLeaks", "recipients": ["Donald Trump Jr."],
            "date": "2016-10-12", "text": "hello", "subject": "kept"
        }))
        .unwrap();
        assert_eq!(m.kind, "dm");
        assert_eq!(m.date.as_deref(), Some("2016-10-12"));
        assert_eq!(m.date_precision, Some(Precision::Day));
        assert_eq!(m.extra["subject"], "kept");
        let back: Message = serde_json::from_str(&serde_json::to_string(&m).unwrap()).unwrap();
        assert_eq!(back, m);
    }

    #[test]
    fn missing_and_mistyped_fields_are_named() {
        let e = Message::from_record(json!({"type": "dm", "text": "x"})).unwrap_err();
        assert_eq!(e, "missing required field `sender`");
        let e = Message::from_record(json!({"type": "dm", "sender": "a", "text": 3})).unwrap_err();
        assert!(e.contains("`text` must be a string"), "{e}");
        let e = Message::from_record(json!([1])).unwrap_err();
        assert!(e.contains("JSON object"), "{e}");
    }

    #[test]
    fn derived_ids_are_stable_and_depend_on_content() {
        let rec = json!({"type": "dm", "sender": "a", "text": "x", "date": "2016-10-12"});
        let a = Message::from_record(rec.clone()).unwrap();
        let b = Message::from_record(rec).unwrap();
        assert_eq!(a.id, b.id);
        let c = Message::from_record(json!({"type": "dm", "sender": "a", "text": "y"})).unwrap();
        assert_ne!(a.id, c.id);
    }

    #[test]
    fn offsets_are_kept_and_precision_only_coarsens() {
        let m = Message::from_record(json!({
            "type": "tweet", "sender": "a", "text": "x", "date": "2016-10-12T11:03:00-04:00"
        }))
        .unwrap();
        assert_eq!(m.date.as_deref(), Some("2016-10-12T15:03:00Z"));
        assert_eq!(m.extra["date_original"], "2016-10-12T11:03:00-04:00");
        let coarsened = Message::from_record(json!({
            "type": "tweet", "sender": "a", "text": "x",
            "date": "2016-10-12T23:30:00-04:00", "date_precision": "day"
        }))
        .unwrap();
        assert_eq!(coarsened.date.as_deref(), Some("2016-10-13"));
        assert_eq!(
            coarsened.extra["date_original"],
            "2016-10-12T23:30:00-04:00"
        );
        let utc = Message::from_record(json!({
            "type": "tweet", "sender": "a", "text": "x", "date": "2016-10-12T15:03:00Z"
        }))
        .unwrap();
        assert!(!utc.extra.contains_key("date_original"));
        let e = Message::from_record(json!({
            "type": "tweet", "sender": "a", "text": "x", "date": "2016-10", "date_precision": "day"
        }))
        .unwrap_err();
        assert!(e.contains("finer"), "{e}");
    }
}
