//! Evaluating a parsed query: the nodes each segment selects, filters
//! tested against each candidate, comparisons as RFC 9535 §2.3.5 defines
//! them.

use serde_json::{Number, Value};

use super::{
    Comparable, Comparison, FilterQuery, Function, Location, Logical, Segment, Selector, Step,
};

type Node<'v> = (Location, &'v Value);

pub(super) fn select<'v>(
    segments: &[Segment],
    root: &'v Value,
    mut nodes: Vec<Node<'v>>,
) -> Vec<Node<'v>> {
    for segment in segments {
        let mut next = Vec::new();
        for (location, value) in nodes {
            match segment {
                Segment::Child(selectors) => {
                    for selector in selectors {
                        apply(selector, root, &location, value, &mut next);
                    }
                }
                Segment::Descendant(selectors) => {
                    let mut visited = Vec::new();
                    descendants(location, value, &mut visited);
                    for (location, value) in visited {
                        for selector in selectors {
                            apply(selector, root, &location, value, &mut next);
                        }
                    }
                }
            }
        }
        nodes = next;
    }
    nodes
}

/// The node and its descendants, each before its children, children in
/// document order.
fn descendants<'v>(location: Location, value: &'v Value, out: &mut Vec<Node<'v>>) {
    out.push((location.clone(), value));
    for (step, child) in children(value) {
        let mut child_location = location.clone();
        child_location.push(step);
        descendants(child_location, child, out);
    }
}

fn children(value: &Value) -> Vec<(Step, &Value)> {
    match value {
        Value::Object(members) => members
            .iter()
            .map(|(name, child)| (Step::Name(name.clone()), child))
            .collect(),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .map(|(index, child)| (Step::Index(index), child))
            .collect(),
        _ => Vec::new(),
    }
}

fn apply<'v>(
    selector: &Selector,
    root: &'v Value,
    location: &Location,
    value: &'v Value,
    out: &mut Vec<Node<'v>>,
) {
    let at = |step: Step| {
        let mut child = location.clone();
        child.push(step);
        child
    };
    match selector {
        Selector::Name(name) => {
            if let Some(child) = value.as_object().and_then(|members| members.get(name)) {
                out.push((at(Step::Name(name.clone())), child));
            }
        }
        Selector::Wildcard => {
            for (step, child) in children(value) {
                out.push((at(step), child));
            }
        }
        Selector::Index(index) => {
            if let Some(items) = value.as_array() {
                let len = items.len() as i64;
                let index = if *index < 0 { len + index } else { *index };
                if (0..len).contains(&index) {
                    let index = index as usize;
                    out.push((at(Step::Index(index)), &items[index]));
                }
            }
        }
        Selector::Slice { start, end, step } => {
            if let Some(items) = value.as_array() {
                for index in slice_indices(items.len() as i64, *start, *end, step.unwrap_or(1)) {
                    out.push((at(Step::Index(index)), &items[index]));
                }
            }
        }
        Selector::Filter(filter) => {
            for (step, child) in children(value) {
                if test(filter, root, child) {
                    out.push((at(step), child));
                }
            }
        }
    }
}

/// The indices an array slice selects (RFC 9535 §2.3.4.2.2).
fn slice_indices(len: i64, start: Option<i64>, end: Option<i64>, step: i64) -> Vec<usize> {
    let normalize = |i: i64| if i >= 0 { i } else { len + i };
    let mut indices = Vec::new();
    if step > 0 {
        let lower = normalize(start.unwrap_or(0)).clamp(0, len);
        let upper = normalize(end.unwrap_or(len)).clamp(0, len);
        let mut i = lower;
        while i < upper {
            indices.push(i as usize);
            i += step;
        }
    } else if step < 0 {
        let upper = normalize(start.unwrap_or(len - 1)).clamp(-1, len - 1);
        let lower = normalize(end.unwrap_or(-len - 1)).clamp(-1, len - 1);
        let mut i = upper;
        while lower < i {
            indices.push(i as usize);
            i += step;
        }
    }
    indices
}

fn test(expression: &Logical, root: &Value, current: &Value) -> bool {
    match expression {
        Logical::Or(any) => any.iter().any(|e| test(e, root, current)),
        Logical::And(all) => all.iter().all(|e| test(e, root, current)),
        Logical::Not(inner) => !test(inner, root, current),
        Logical::Exists(query) => !query_nodes(query, root, current).is_empty(),
        Logical::Compare(left, comparison, right) => {
            let left = evaluate(left, root, current);
            let right = evaluate(right, root, current);
            compare(left.as_ref(), *comparison, right.as_ref())
        }
    }
}

fn query_nodes<'v>(query: &FilterQuery, root: &'v Value, current: &'v Value) -> Vec<Node<'v>> {
    let start = if query.relative { current } else { root };
    select(&query.segments, root, vec![(Vec::new(), start)])
}

/// A comparable's value, `None` for "Nothing".
fn evaluate(comparable: &Comparable, root: &Value, current: &Value) -> Option<Value> {
    match comparable {
        Comparable::Literal(value) => Some(value.clone()),
        Comparable::Query(query) => query_nodes(query, root, current)
            .first()
            .map(|(_, value)| (*value).clone()),
        Comparable::Function(Function::Length(argument)) => {
            match evaluate(argument, root, current)? {
                Value::String(text) => Some(Value::from(text.chars().count())),
                Value::Array(items) => Some(Value::from(items.len())),
                Value::Object(members) => Some(Value::from(members.len())),
                _ => None,
            }
        }
        Comparable::Function(Function::Count(query)) => {
            Some(Value::from(query_nodes(query, root, current).len()))
        }
        Comparable::Function(Function::Value(query)) => {
            match query_nodes(query, root, current).as_slice() {
                [(_, value)] => Some((*value).clone()),
                _ => None,
            }
        }
    }
}

/// RFC 9535 §2.3.5.2.2: `==` is deep equality (numbers by value), `<` is
/// defined for two numbers or two strings only, and the other operators
/// follow from those two.
fn compare(left: Option<&Value>, comparison: Comparison, right: Option<&Value>) -> bool {
    let equal = || match (left, right) {
        (None, None) => true,
        (Some(left), Some(right)) => equal_values(left, right),
        _ => false,
    };
    let less = |left: Option<&Value>, right: Option<&Value>| match (left, right) {
        (Some(Value::Number(left)), Some(Value::Number(right))) => {
            number_order(left, right) == Some(std::cmp::Ordering::Less)
        }
        (Some(Value::String(left)), Some(Value::String(right))) => left < right,
        _ => false,
    };
    match comparison {
        Comparison::Eq => equal(),
        Comparison::Ne => !equal(),
        Comparison::Lt => less(left, right),
        Comparison::Gt => less(right, left),
        Comparison::Le => less(left, right) || equal(),
        Comparison::Ge => less(right, left) || equal(),
    }
}

fn equal_values(left: &Value, right: &Value) -> bool {
    match (left, right) {
        (Value::Number(left), Value::Number(right)) => {
            number_order(left, right) == Some(std::cmp::Ordering::Equal)
        }
        (Value::Array(left), Value::Array(right)) => {
            left.len() == right.len() && left.iter().zip(right).all(|(l, r)| equal_values(l, r))
        }
        (Value::Object(left), Value::Object(right)) => {
            left.len() == right.len()
                && left
                    .iter()
                    .all(|(key, l)| right.get(key).is_some_and(|r| equal_values(l, r)))
        }
        _ => left == right,
    }
}

fn number_order(left: &Number, right: &Number) -> Option<std::cmp::Ordering> {
    match (left.as_i64(), right.as_i64()) {
        (Some(left), Some(right)) => Some(left.cmp(&right)),
        _ => left.as_f64()?.partial_cmp(&right.as_f64()?),
    }
}
