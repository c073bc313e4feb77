//! The corpus documents' own JSON examples through the generated types: each
//! must deserialise, and serialise back to the same JSON. Equal means equal
//! up to what JSON does not distinguish or the types cannot keep: numbers
//! compare by value (`1` and `1.0`), timestamps by instant
//! (`…00.000Z` and `…00Z`), and a `null` member may come back absent.
//!
//! Some examples contradict their own schema (a required property missing,
//! a string where the schema says integer, a member the schema does not
//! define). Those are listed, each with the reason, in
//! `example-defects.txt`; the test fails when an example not listed fails,
//! and when a listed one passes, so the list stays true.

use runtime::__private_v0_1::serde::de::DeserializeOwned;
use runtime::__private_v0_1::serde::Serialize;
use runtime::__private_v0_1::serde_json::{self, Value};
use runtime::chrono::{DateTime, FixedOffset};

/// The examples the documents get wrong, reviewed by hand: lines of
/// `<document> <JSON pointer>  <why>`.
const DEFECTS: &str = include_str!("../example-defects.txt");

/// The examples of one document being checked.
pub struct Examples {
    document: &'static str,
    checked: usize,
    failures: Vec<(String, String)>,
}

impl Examples {
    pub fn new(document: &'static str) -> Self {
        Examples {
            document,
            checked: 0,
            failures: Vec::new(),
        }
    }

    /// Deserialises `json` as `T` and serialises it back.
    pub fn check<T: DeserializeOwned + Serialize>(&mut self, pointer: &str, json: &str) {
        self.checked += 1;
        let original: Value = serde_json::from_str(json).expect("the build script wrote JSON");
        let failure = match serde_json::from_value::<T>(original.clone()) {
            Err(error) => Some(format!("does not deserialise: {error}")),
            Ok(parsed) => match serde_json::to_value(&parsed) {
                Err(error) => Some(format!("does not serialise: {error}")),
                Ok(back) => difference(&original, &back, ""),
            },
        };
        if let Some(failure) = failure {
            self.failures.push((pointer.to_owned(), failure));
        }
    }

    /// Fails unless exactly the listed examples of the document failed.
    pub fn finish(self) {
        let listed: Vec<&str> = DEFECTS
            .lines()
            .filter_map(|line| {
                let (document, rest) = line.split_once(' ')?;
                (document == self.document).then(|| rest.split_whitespace().next())?
            })
            .collect();
        let unexpected: Vec<String> = self
            .failures
            .iter()
            .filter(|(pointer, _)| !listed.contains(&pointer.as_str()))
            .map(|(pointer, why)| format!("{} {pointer}  {why}", self.document))
            .collect();
        let fixed: Vec<&&str> = listed
            .iter()
            .filter(|pointer| !self.failures.iter().any(|(p, _)| p == **pointer))
            .collect();
        eprintln!(
            "{}: {} examples, {} round-trip, {} listed as the document's defects",
            self.document,
            self.checked,
            self.checked - self.failures.len(),
            listed.len()
        );
        assert!(
            unexpected.is_empty() && fixed.is_empty(),
            "examples that failed and are not in example-defects.txt:\n{}\n\
             listed in example-defects.txt but passing now: {fixed:?}",
            unexpected.join("\n")
        );
    }
}

/// Where `back` differs from `original`, as a JSON pointer and what.
fn difference(original: &Value, back: &Value, at: &str) -> Option<String> {
    match (original, back) {
        (Value::Object(original), Value::Object(back)) => {
            for (key, value) in original {
                let at = format!("{at}/{key}");
                match back.get(key) {
                    Some(returned) => {
                        if let Some(found) = difference(value, returned, &at) {
                            return Some(found);
                        }
                    }
                    None if value.is_null() => {}
                    None => return Some(format!("`{at}` is lost")),
                }
            }
            back.keys()
                .find(|key| !original.contains_key(*key))
                .map(|key| format!("`{at}/{key}` is added"))
        }
        (Value::Array(original), Value::Array(back)) => {
            if original.len() != back.len() {
                return Some(format!(
                    "`{at}` has {} items, not {}",
                    back.len(),
                    original.len()
                ));
            }
            original
                .iter()
                .zip(back)
                .enumerate()
                .find_map(|(i, (o, b))| difference(o, b, &format!("{at}/{i}")))
        }
        (Value::Number(o), Value::Number(b)) if o.as_f64() == b.as_f64() => None,
        (Value::String(o), Value::String(b)) if o == b || same_instant(o, b) => None,
        (o, b) if o == b => None,
        (o, b) => Some(format!("`{at}` was {o}, is {b}")),
    }
}

fn same_instant(a: &str, b: &str) -> bool {
    match (
        DateTime::<FixedOffset>::parse_from_rfc3339(a),
        DateTime::<FixedOffset>::parse_from_rfc3339(b),
    ) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}
