//! Serde for generated types that derive cannot express: enums that keep
//! values the document did not list, and unions chosen by a tag property,
//! which their variants hold (a declared `discriminator`) or not (a tag
//! inferred from values the parts pin; serde writes it).
//!
//! A generated enum carries only its table of values (`StringEnum` or
//! `IntegerEnum`) and one macro call for the trait impls, so the code is
//! written once, here.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, Deserialize, Deserializer, Visitor};
use serde::Serializer;
use serde_json::Value;

/// A generated enum of strings whose last variant holds any other string.
pub trait StringEnum: Sized {
    /// The variant for `value`: a listed one, or the fallback holding it.
    fn from_wire(value: &str) -> Self;
    /// The value on the wire.
    fn as_wire(&self) -> &str;
}

/// A generated enum of integers whose last variant holds any other integer.
pub trait IntegerEnum: Sized {
    /// The variant for `value`: a listed one, or the fallback holding it.
    fn from_wire(value: i64) -> Self;
    /// The value on the wire.
    fn as_wire(&self) -> i64;
}

/// Serialises a [`StringEnum`] as its string.
pub fn serialize_string_enum<E: StringEnum, S: Serializer>(
    value: &E,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(value.as_wire())
}

/// Deserialises a [`StringEnum`] from any string, without allocating for
/// the listed ones.
pub fn deserialize_string_enum<'de, E: StringEnum, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<E, D::Error> {
    struct StringVisitor<E>(PhantomData<E>);

    impl<E: StringEnum> Visitor<'_> for StringVisitor<E> {
        type Value = E;

        fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
            formatter.write_str("a string")
        }

        fn visit_str<Error: de::Error>(self, value: &str) -> Result<E, Error> {
            Ok(E::from_wire(value))
        }
    }

    deserializer.deserialize_str(StringVisitor(PhantomData))
}

/// Serialises an [`IntegerEnum`] as its integer.
pub fn serialize_integer_enum<E: IntegerEnum, S: Serializer>(
    value: &E,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.serialize_i64(value.as_wire())
}

/// Deserialises an [`IntegerEnum`] from any integer.
pub fn deserialize_integer_enum<'de, E: IntegerEnum, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<E, D::Error> {
    i64::deserialize(deserializer).map(E::from_wire)
}

/// Deserialises a union by the value of its discriminator `property`:
/// `variant` gets that value and the whole object (the property included,
/// since the variant's type usually declares it) and decodes the variant.
pub fn deserialize_tagged<'de, D, T, F>(
    deserializer: D,
    property: &'static str,
    variant: F,
) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    F: FnOnce(&str, Value) -> Result<T, serde_json::Error>,
{
    let value = Value::deserialize(deserializer)?;
    let tag = match value.get(property) {
        Some(Value::String(tag)) => tag.clone(),
        Some(other) => other.to_string(),
        None => return Err(de::Error::missing_field(property)),
    };
    variant(&tag, value).map_err(de::Error::custom)
}

/// Decodes a variant of an internally tagged union from the whole object:
/// the variant's type does not declare the tag `property`, which is taken
/// out first (a type that keeps unlisted properties would keep it too).
pub fn from_value_untagged<T: serde::de::DeserializeOwned>(
    mut value: Value,
    property: &str,
) -> Result<T, serde_json::Error> {
    if let Value::Object(object) = &mut value {
        object.shift_remove(property);
    }
    serde_json::from_value(value)
}

/// `Serialize`, `Deserialize` and `Display` for a [`StringEnum`].
#[doc(hidden)]
#[macro_export]
macro_rules! __string_enum {
    ($name:ident) => {
        impl $crate::__private_v0_1::serde::Serialize for $name {
            fn serialize<S>(&self, serializer: S) -> ::core::result::Result<S::Ok, S::Error>
            where
                S: $crate::__private_v0_1::serde::Serializer,
            {
                $crate::__private_v0_1::serialize_string_enum(self, serializer)
            }
        }

        impl<'de> $crate::__private_v0_1::serde::Deserialize<'de> for $name {
            fn deserialize<D>(deserializer: D) -> ::core::result::Result<Self, D::Error>
            where
                D: $crate::__private_v0_1::serde::Deserializer<'de>,
            {
                $crate::__private_v0_1::deserialize_string_enum(deserializer)
            }
        }

        impl ::core::fmt::Display for $name {
            fn fmt(&self, formatter: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                formatter.write_str($crate::__private_v0_1::StringEnum::as_wire(self))
            }
        }
    };
}

/// `Serialize`, `Deserialize` and `Display` for an [`IntegerEnum`].
#[doc(hidden)]
#[macro_export]
macro_rules! __integer_enum {
    ($name:ident) => {
        impl $crate::__private_v0_1::serde::Serialize for $name {
            fn serialize<S>(&self, serializer: S) -> ::core::result::Result<S::Ok, S::Error>
            where
                S: $crate::__private_v0_1::serde::Serializer,
            {
                $crate::__private_v0_1::serialize_integer_enum(self, serializer)
            }
        }

        impl<'de> $crate::__private_v0_1::serde::Deserialize<'de> for $name {
            fn deserialize<D>(deserializer: D) -> ::core::result::Result<Self, D::Error>
            where
                D: $crate::__private_v0_1::serde::Deserializer<'de>,
            {
                $crate::__private_v0_1::deserialize_integer_enum(deserializer)
            }
        }

        impl ::core::fmt::Display for $name {
            fn fmt(&self, formatter: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                ::core::fmt::Display::fmt(
                    &$crate::__private_v0_1::IntegerEnum::as_wire(self),
                    formatter,
                )
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq)]
    enum Status {
        Open,
        Unknown(String),
    }

    impl StringEnum for Status {
        fn from_wire(value: &str) -> Self {
            match value {
                "open" => Status::Open,
                other => Status::Unknown(other.to_owned()),
            }
        }

        fn as_wire(&self) -> &str {
            match self {
                Status::Open => "open",
                Status::Unknown(other) => other,
            }
        }
    }

    crate::__string_enum!(Status);

    #[derive(Debug, PartialEq)]
    enum Level {
        One,
        Unknown(i64),
    }

    impl IntegerEnum for Level {
        fn from_wire(value: i64) -> Self {
            match value {
                1 => Level::One,
                other => Level::Unknown(other),
            }
        }

        fn as_wire(&self) -> i64 {
            match self {
                Level::One => 1,
                Level::Unknown(other) => *other,
            }
        }
    }

    crate::__integer_enum!(Level);

    #[test]
    fn enums_keep_unlisted_values() {
        let parsed: Vec<Status> = serde_json::from_str(r#"["open", "archived"]"#).unwrap();
        assert_eq!(parsed, [Status::Open, Status::Unknown("archived".into())]);
        assert_eq!(
            serde_json::to_string(&parsed).unwrap(),
            r#"["open","archived"]"#
        );
        assert_eq!(Status::Unknown("x".into()).to_string(), "x");
        assert!(serde_json::from_str::<Status>("1").is_err());

        let parsed: Vec<Level> = serde_json::from_str("[1, -7]").unwrap();
        assert_eq!(parsed, [Level::One, Level::Unknown(-7)]);
        assert_eq!(serde_json::to_string(&parsed).unwrap(), "[1,-7]");
        assert_eq!(Level::One.to_string(), "1");
    }

    #[derive(Debug, PartialEq)]
    enum Shape {
        Circle(Value),
        Unknown(Value),
    }

    impl<'de> Deserialize<'de> for Shape {
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            deserialize_tagged(deserializer, "kind", |tag, value| match tag {
                "circle" => serde_json::from_value(value).map(Shape::Circle),
                _ => Ok(Shape::Unknown(value)),
            })
        }
    }

    /// A union tagged by a property its variants do not declare: serde
    /// writes the tag, [`from_value_untagged`] reads past it, as generated.
    #[derive(Debug, PartialEq, serde::Serialize)]
    #[serde(tag = "type")]
    enum Range {
        #[serde(rename = "range_to")]
        RangeTo(RangeTo),
        #[serde(untagged)]
        Unknown(Value),
    }

    #[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
    struct RangeTo {
        end: f64,
        #[serde(flatten)]
        other: serde_json::Map<String, Value>,
    }

    impl<'de> Deserialize<'de> for Range {
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            deserialize_tagged(deserializer, "type", |tag, value| match tag {
                "range_to" => from_value_untagged(value, "type").map(Range::RangeTo),
                _ => Ok(Range::Unknown(value)),
            })
        }
    }

    #[test]
    fn internally_tagged_unions_write_the_tag_once() {
        let json = serde_json::json!({"type": "range_to", "end": 2.5, "note": "x"});
        let range: Range = serde_json::from_value(json.clone()).unwrap();
        let Range::RangeTo(to) = &range else {
            panic!("{range:?}")
        };
        assert_eq!(to.end, 2.5);
        // The tag is not kept among the unlisted properties.
        assert_eq!(to.other.keys().collect::<Vec<_>>(), ["note"]);
        assert_eq!(
            serde_json::to_string(&range).unwrap(),
            r#"{"type":"range_to","end":2.5,"note":"x"}"#
        );
        // A known tag with a broken body is an error, not the fallback.
        let error =
            serde_json::from_value::<Range>(serde_json::json!({"type": "range_to"})).unwrap_err();
        assert!(error.to_string().contains("missing field `end`"), "{error}");
        let other = serde_json::json!({"type": "range_by", "step": 1});
        let range: Range = serde_json::from_value(other.clone()).unwrap();
        assert_eq!(range, Range::Unknown(other.clone()));
        assert_eq!(serde_json::to_value(&range).unwrap(), other);
    }

    #[test]
    fn tagged_unions_keep_the_tag_for_the_variant() {
        let circle = serde_json::json!({"kind": "circle", "r": 1});
        assert_eq!(
            serde_json::from_value::<Shape>(circle.clone()).unwrap(),
            Shape::Circle(circle)
        );
        let other = serde_json::json!({"kind": "square"});
        assert_eq!(
            serde_json::from_value::<Shape>(other.clone()).unwrap(),
            Shape::Unknown(other)
        );
        let error = serde_json::from_value::<Shape>(serde_json::json!({})).unwrap_err();
        assert!(
            error.to_string().contains("missing field `kind`"),
            "{error}"
        );
    }
}
