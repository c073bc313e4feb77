//! JSONPath (RFC 9535) for the targets of overlay actions: a query is parsed
//! once and evaluated to the locations of the nodes it selects, so that an
//! action can update or remove them.
//!
//! Everything in the RFC is supported except the `match()` and `search()`
//! functions, which need a regular expression engine; a query using them is
//! refused with a message saying so. (`serde_json_path` implements the whole
//! RFC but brings a second major version of `syn` into every build script
//! that uses the generator.)
//!
//! This module holds the syntax tree and the entry points; [`parse`] reads a
//! query and [`evaluate`] selects nodes.

mod evaluate;
mod parse;

use serde_json::Value;

/// One step from a node to a child: a member name or an array index.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Step {
    Name(String),
    Index(usize),
}

/// The location of a node: the steps from the root to it.
pub(super) type Location = Vec<Step>;

/// A parsed JSONPath query.
#[derive(Debug, Clone)]
pub(super) struct Query {
    segments: Vec<Segment>,
}

#[derive(Debug, Clone)]
enum Segment {
    /// `.name`, `[...]`: selects among the children.
    Child(Vec<Selector>),
    /// `..name`, `..[...]`: selects among the node and all its descendants'
    /// children.
    Descendant(Vec<Selector>),
}

#[derive(Debug, Clone)]
enum Selector {
    Name(String),
    Wildcard,
    Index(i64),
    Slice {
        start: Option<i64>,
        end: Option<i64>,
        step: Option<i64>,
    },
    Filter(Logical),
}

/// A filter's logical expression.
#[derive(Debug, Clone)]
enum Logical {
    Or(Vec<Logical>),
    And(Vec<Logical>),
    Not(Box<Logical>),
    /// True when the query selects at least one node.
    Exists(FilterQuery),
    Compare(Comparable, Comparison, Comparable),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Comparison {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

/// A query inside a filter: relative to the current node (`@`) or to the
/// root (`$`).
#[derive(Debug, Clone)]
struct FilterQuery {
    relative: bool,
    segments: Vec<Segment>,
}

impl FilterQuery {
    /// A singular query selects at most one node: only name and index
    /// selectors, one per segment, no descendants.
    fn is_singular(&self) -> bool {
        self.segments.iter().all(|segment| {
            matches!(segment, Segment::Child(selectors)
                if selectors.len() == 1
                    && matches!(selectors[0], Selector::Name(_) | Selector::Index(_)))
        })
    }
}

/// What a comparison compares: each side yields a value or nothing.
#[derive(Debug, Clone)]
enum Comparable {
    Literal(Value),
    /// A singular query.
    Query(FilterQuery),
    Function(Function),
}

/// The functions of RFC 9535 §2.4 that yield a value.
#[derive(Debug, Clone)]
enum Function {
    /// `length(value)`: characters of a string, items of an array, members
    /// of an object.
    Length(Box<Comparable>),
    /// `count(nodes)`.
    Count(FilterQuery),
    /// `value(nodes)`: the value of a single node.
    Value(FilterQuery),
}

/// Largest and smallest integers JSONPath allows (I-JSON's exact range).
const MAX_INT: i64 = (1 << 53) - 1;

/// Filters nest no deeper than this, so a hostile query cannot exhaust the
/// stack.
const MAX_NESTING: usize = 64;

impl Query {
    /// Parses `text`; the error says what was expected where.
    pub(super) fn parse(text: &str) -> Result<Query, String> {
        Ok(Query {
            segments: parse::segments(text)?,
        })
    }

    /// The locations of the nodes the query selects in `root`, in the
    /// order the RFC defines (document order for each selector).
    pub(super) fn locate(&self, root: &Value) -> Vec<Location> {
        evaluate::select(&self.segments, root, vec![(Vec::new(), root)])
            .into_iter()
            .map(|(location, _)| location)
            .collect()
    }
}

/// The node at `location`, mutably.
pub(super) fn node_mut<'v>(root: &'v mut Value, location: &[Step]) -> Option<&'v mut Value> {
    let mut node = root;
    for step in location {
        node = match (step, node) {
            (Step::Name(name), Value::Object(members)) => members.get_mut(name)?,
            (Step::Index(index), Value::Array(items)) => items.get_mut(*index)?,
            _ => return None,
        };
    }
    Some(node)
}

/// Removes the node at `location` from its parent; `false` when there is
/// no such node (or it is the root).
pub(super) fn remove(root: &mut Value, location: &[Step]) -> bool {
    let Some((last, parent)) = location.split_last() else {
        return false;
    };
    match (last, node_mut(root, parent)) {
        (Step::Name(name), Some(Value::Object(members))) => members.shift_remove(name).is_some(),
        (Step::Index(index), Some(Value::Array(items))) if *index < items.len() => {
            items.remove(*index);
            true
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The JSON pointer of a location.
    fn pointer(location: &[Step]) -> String {
        let mut pointer = String::new();
        for step in location {
            pointer.push('/');
            match step {
                Step::Name(name) => pointer.push_str(&crate::pointer::escape(name)),
                Step::Index(index) => pointer.push_str(&index.to_string()),
            }
        }
        pointer
    }

    fn pointers(query: &str, root: &Value) -> Vec<String> {
        let query = Query::parse(query).unwrap_or_else(|e| panic!("{query}: {e}"));
        query.locate(root).iter().map(|l| pointer(l)).collect()
    }

    fn store() -> Value {
        // RFC 9535 Figure 1.
        json!({ "store": {
            "book": [
                { "category": "reference", "author": "Nigel Rees", "title": "Sayings of the Century", "price": 8.95 },
                { "category": "fiction", "author": "Evelyn Waugh", "title": "Sword of Honour", "price": 12.99 },
                { "category": "fiction", "author": "Herman Melville", "title": "Moby Dick", "isbn": "0-553-21311-3", "price": 8.99 },
                { "category": "fiction", "author": "J. R. R. Tolkien", "title": "The Lord of the Rings", "isbn": "0-395-19395-8", "price": 22.99 }
            ],
            "bicycle": { "color": "red", "price": 399 }
        }})
    }

    #[test]
    fn the_rfc_examples_select_what_the_rfc_says() {
        let root = store();
        assert_eq!(
            pointers("$.store.book[*].author", &root),
            [
                "/store/book/0/author",
                "/store/book/1/author",
                "/store/book/2/author",
                "/store/book/3/author"
            ]
        );
        assert_eq!(pointers("$..author", &root).len(), 4);
        assert_eq!(
            pointers("$.store.*", &root),
            ["/store/book", "/store/bicycle"]
        );
        assert_eq!(pointers("$.store..price", &root).len(), 5);
        assert_eq!(pointers("$..book[2]", &root), ["/store/book/2"]);
        assert_eq!(pointers("$..book[-1]", &root), ["/store/book/3"]);
        assert_eq!(
            pointers("$..book[0,1]", &root),
            ["/store/book/0", "/store/book/1"]
        );
        assert_eq!(
            pointers("$..book[:2]", &root),
            ["/store/book/0", "/store/book/1"]
        );
        assert_eq!(
            pointers("$..book[?@.isbn]", &root),
            ["/store/book/2", "/store/book/3"]
        );
        assert_eq!(
            pointers("$..book[?@.price<10]", &root),
            ["/store/book/0", "/store/book/2"]
        );
        assert_eq!(pointers("$..*", &root).len(), 27);
    }

    #[test]
    fn slices_follow_the_normative_algorithm() {
        let root = json!(["a", "b", "c", "d", "e", "f", "g"]);
        assert_eq!(pointers("$[1:3]", &root), ["/1", "/2"]);
        assert_eq!(pointers("$[5:]", &root), ["/5", "/6"]);
        assert_eq!(pointers("$[1:5:2]", &root), ["/1", "/3"]);
        assert_eq!(pointers("$[5:1:-2]", &root), ["/5", "/3"]);
        assert_eq!(
            pointers("$[::-1]", &root),
            ["/6", "/5", "/4", "/3", "/2", "/1", "/0"]
        );
        assert!(pointers("$[::0]", &root).is_empty());
        assert!(pointers("$[10]", &root).is_empty());
    }

    #[test]
    fn filters_compare_deeply_and_combine() {
        let root = json!({"paths": {
            "/a": {"get": {"operationId": "listA", "tags": ["x"]}, "post": {"operationId": "makeA"}},
            "/b": {"get": {"operationId": "listB", "deprecated": true, "n": 1.0}},
        }});
        assert_eq!(
            pointers("$.paths.*[?@.operationId == 'listB']", &root),
            ["/paths/~1b/get"]
        );
        assert_eq!(
            pointers("$.paths[?@.get && !@.post]", &root),
            ["/paths/~1b"]
        );
        assert_eq!(
            pointers(
                "$.paths.*[?@.deprecated == true || @.operationId == \"makeA\"]",
                &root
            ),
            ["/paths/~1a/post", "/paths/~1b/get"]
        );
        assert_eq!(pointers("$.paths.*[?@.n == 1]", &root), ["/paths/~1b/get"]);
        assert_eq!(pointers("$.paths[?length(@) == 2]", &root), ["/paths/~1a"]);
        assert_eq!(pointers("$.paths[?count(@.*) == 1]", &root), ["/paths/~1b"]);
        assert_eq!(
            pointers("$.paths[?value(@..operationId) == 'listB']", &root),
            ["/paths/~1b"]
        );
        assert_eq!(pointers("$.paths['/a', '/b'].get", &root).len(), 2);
        assert_eq!(pointers("$[\"paths\"]['\\u002Fa']", &root), ["/paths/~1a"]);
        assert_eq!(pointers("$.paths[?$.paths]", &root).len(), 2);
    }

    #[test]
    fn invalid_queries_are_refused_with_a_reason() {
        for (query, reason) in [
            ("", "starts with `$`"),
            ("paths", "starts with `$`"),
            ("$.", "member name"),
            ("$[01]", "leading zeros"),
            ("$[-0]", "leading zeros"),
            ("$[9007199254740992]", "between"),
            ("$['a'", "`,` or `]`"),
            ("$['a\\q']", "escape"),
            ("$[?@.a == @..b]", "singular"),
            ("$[?length(@)]", "compared"),
            ("$[?match(@.a, 'x')]", "not supported"),
            ("$[?nope(@)]", "unknown function"),
            ("$[?1]", "literal"),
            ("$.a ", "segment"),
        ] {
            let err = Query::parse(query).unwrap_err();
            assert!(err.contains(reason), "{query}: {err}");
        }
    }

    #[test]
    fn arbitrary_queries_never_panic() {
        const PIECES: &[&str] = &[
            "$", "@", ".", "..", "*", "[", "]", "?", "'a'", "\"b\"", "0", "-1", ":", ",", "==",
            "<", "!", "&&", "||", "(", ")", "length(", "count(", "value(", "true", "null", " ",
            "a", "1.5e3", "\\u00", "'",
        ];
        let root = store();
        let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let mut parsed = 0;
        for _ in 0..20_000 {
            let mut text = String::from("$");
            for _ in 0..(next() % 12) {
                text.push_str(PIECES[(next() % PIECES.len() as u64) as usize]);
            }
            if let Ok(query) = Query::parse(&text) {
                parsed += 1;
                let _ = query.locate(&root);
            }
        }
        assert!(parsed > 100, "{parsed}");
        let deep = format!("$[?{}@{}]", "(".repeat(500), ")".repeat(500));
        assert!(Query::parse(&deep).is_err());
    }

    #[test]
    fn nodes_are_removed_and_updated_by_location() {
        let mut root = json!({"a": [1, 2, 3], "b": {"c": true}});
        assert!(remove(&mut root, &[Step::Name("a".into()), Step::Index(1)]));
        assert!(remove(
            &mut root,
            &[Step::Name("b".into()), Step::Name("c".into())]
        ));
        assert!(!remove(&mut root, &[]));
        assert!(!remove(&mut root, &[Step::Name("zz".into())]));
        *node_mut(&mut root, &[Step::Name("b".into())]).unwrap() = json!(1);
        assert_eq!(root, json!({"a": [1, 3], "b": 1}));
    }
}
