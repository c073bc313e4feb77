//! Breaking cycles: a type that holds itself inline, directly or through
//! others, gets a `Box` where the cycle closes, so it has a finite size.

use std::collections::HashMap;

use super::super::{TypeDef, TypeKind, TypeRef};

/// The types a type holds inline (not behind a `Vec`, map or `Box`).
fn inline_targets(kind: &TypeKind) -> Vec<&str> {
    match kind {
        TypeKind::Struct { fields } => fields.iter().filter_map(|f| inline_target(&f.ty)).collect(),
        TypeKind::Union { variants, .. } => variants
            .iter()
            .filter_map(|v| inline_target(v.ty.as_ref()?))
            .collect(),
        TypeKind::Alias(ty) => inline_target(ty).into_iter().collect(),
        TypeKind::Enum { .. } | TypeKind::IntegerEnum { .. } => Vec::new(),
    }
}

/// The named type a field holds inline (not behind a `Vec` or map), if any.
pub(super) fn inline_target(ty: &TypeRef) -> Option<&str> {
    match ty {
        TypeRef::Named(name) => Some(name),
        TypeRef::Option(inner) => inline_target(inner),
        _ => None,
    }
}

/// The types held by fields and variants, which may need a `Box`.
fn slots_mut(kind: &mut TypeKind) -> Vec<&mut TypeRef> {
    match kind {
        TypeKind::Struct { fields } => fields.iter_mut().map(|f| &mut f.ty).collect(),
        TypeKind::Union { variants, .. } => {
            variants.iter_mut().filter_map(|v| v.ty.as_mut()).collect()
        }
        TypeKind::Alias(_) | TypeKind::Enum { .. } | TypeKind::IntegerEnum { .. } => Vec::new(),
    }
}

/// Boxes every struct field and union variant that holds, inline, a type
/// which contains its own type again (directly, through other types, or
/// through aliases), so recursive schemas have a finite size.
pub(super) fn box_cycles(defs: &mut [TypeDef]) {
    let index: HashMap<String, usize> = defs
        .iter()
        .enumerate()
        .map(|(i, def)| (def.name.clone(), i))
        .collect();
    // The types each type holds inline.
    let edges: Vec<Vec<usize>> = defs
        .iter()
        .map(|def| {
            inline_targets(&def.kind)
                .iter()
                .filter_map(|t| index.get(*t).copied())
                .collect()
        })
        .collect();
    // A slot's target reaches back to its own type exactly when both are
    // in one strongly connected component.
    let component = strongly_connected(&edges);
    let mut to_box = Vec::new();
    for (i, def) in defs.iter_mut().enumerate() {
        for (slot, ty) in slots_mut(&mut def.kind).into_iter().enumerate() {
            let target = inline_target(ty).and_then(|t| index.get(t).copied());
            if target.is_some_and(|t| component[t] == component[i]) {
                to_box.push((i, slot));
            }
        }
    }
    for (i, slot) in to_box {
        if let Some(ty) = slots_mut(&mut defs[i].kind).into_iter().nth(slot) {
            *ty = match std::mem::replace(ty, TypeRef::Json) {
                TypeRef::Option(inner) => TypeRef::Option(Box::new(TypeRef::Boxed(inner))),
                other => TypeRef::Boxed(Box::new(other)),
            };
        }
    }
}

/// The strongly connected component of each node of a graph given by its
/// edges, as a component number per node: Tarjan's algorithm, iterative so
/// that chains of any length fit on the stack, in linear time so that they
/// take no longer than the document's size warrants.
pub(super) fn strongly_connected(edges: &[Vec<usize>]) -> Vec<usize> {
    const UNVISITED: usize = usize::MAX;
    let count = edges.len();
    let mut order = vec![UNVISITED; count];
    let mut low = vec![0; count];
    let mut on_stack = vec![false; count];
    let mut component = vec![UNVISITED; count];
    let mut stack = Vec::new();
    let mut next_order = 0;
    let mut next_component = 0;
    // The depth-first path: a node and the index of its next edge.
    let mut path: Vec<(usize, usize)> = Vec::new();
    for root in 0..count {
        if order[root] != UNVISITED {
            continue;
        }
        path.push((root, 0));
        order[root] = next_order;
        low[root] = next_order;
        next_order += 1;
        stack.push(root);
        on_stack[root] = true;
        while let Some(&mut (node, ref mut edge)) = path.last_mut() {
            if let Some(&next) = edges[node].get(*edge) {
                *edge += 1;
                if order[next] == UNVISITED {
                    order[next] = next_order;
                    low[next] = next_order;
                    next_order += 1;
                    stack.push(next);
                    on_stack[next] = true;
                    path.push((next, 0));
                } else if on_stack[next] {
                    low[node] = low[node].min(order[next]);
                }
                continue;
            }
            path.pop();
            if let Some(&(parent, _)) = path.last() {
                low[parent] = low[parent].min(low[node]);
            }
            if low[node] == order[node] {
                while let Some(member) = stack.pop() {
                    on_stack[member] = false;
                    component[member] = next_component;
                    if member == node {
                        break;
                    }
                }
                next_component += 1;
            }
        }
    }
    component
}

#[cfg(test)]
mod tests {
    use super::super::super::Field;
    use super::*;

    fn field(name: &str, ty: TypeRef) -> Field {
        Field {
            name: name.to_owned(),
            wire: name.to_owned(),
            ty,
            optional: false,
            flatten: false,
            doc: None,
        }
    }

    fn strukt(name: &str, fields: Vec<Field>) -> TypeDef {
        TypeDef {
            name: name.to_owned(),
            doc: None,
            kind: TypeKind::Struct { fields },
        }
    }

    fn named(name: &str) -> TypeRef {
        TypeRef::Named(name.to_owned())
    }

    #[test]
    fn only_the_fields_closing_a_cycle_are_boxed() {
        // Node holds an optional Node; A holds B which holds A through an
        // alias; Leaf is held by both but holds nothing; a Vec is a
        // pointer already.
        let mut defs = vec![
            strukt(
                "Node",
                vec![
                    field("next", TypeRef::Option(Box::new(named("Node")))),
                    field("children", TypeRef::Vec(Box::new(named("Node")))),
                    field("leaf", named("Leaf")),
                ],
            ),
            strukt(
                "A",
                vec![field("b", named("B")), field("leaf", named("Leaf"))],
            ),
            strukt("B", vec![field("a", named("AliasOfA"))]),
            TypeDef {
                name: "AliasOfA".to_owned(),
                doc: None,
                kind: TypeKind::Alias(named("A")),
            },
            strukt("Leaf", vec![field("id", TypeRef::I64)]),
        ];
        box_cycles(&mut defs);
        let types = |def: &TypeDef| match &def.kind {
            TypeKind::Struct { fields } => fields.iter().map(|f| f.ty.clone()).collect(),
            _ => Vec::new(),
        };
        let boxed = |ty: TypeRef| TypeRef::Boxed(Box::new(ty));
        assert_eq!(
            types(&defs[0]),
            [
                TypeRef::Option(Box::new(boxed(named("Node")))),
                TypeRef::Vec(Box::new(named("Node"))),
                named("Leaf"),
            ]
        );
        assert_eq!(types(&defs[1]), [boxed(named("B")), named("Leaf")]);
        assert_eq!(types(&defs[2]), [boxed(named("AliasOfA"))]);
        assert!(
            matches!(&defs[3].kind, TypeKind::Alias(ty) if *ty == named("A")),
            "an alias has no field to box"
        );
        assert_eq!(types(&defs[4]), [TypeRef::I64]);
    }

    #[test]
    fn components_group_exactly_the_nodes_on_a_common_cycle() {
        // 0 → 1 → 2 → 0 is a cycle; 3 → 3 loops on itself; 2 → 4 → 5 leads
        // out of the cycle and 5 → 4 closes a second one; 6 is alone.
        let edges = vec![
            vec![1],
            vec![2],
            vec![0, 4],
            vec![3],
            vec![5],
            vec![4],
            vec![],
        ];
        let c = strongly_connected(&edges);
        assert!(c[0] == c[1] && c[1] == c[2]);
        assert!(c[4] == c[5]);
        assert_ne!(c[0], c[4]);
        assert_ne!(c[0], c[3]);
        assert_ne!(c[3], c[6]);
        assert_ne!(c[4], c[6]);
    }

    #[test]
    fn a_chain_of_any_length_takes_no_stack() {
        let count = 1_000_000;
        let mut edges: Vec<Vec<usize>> = (1..=count).map(|next| vec![next % count]).collect();
        let c = strongly_connected(&edges);
        assert!(c.iter().all(|&n| n == c[0]), "one cycle through every node");
        edges[count - 1].clear();
        let c = strongly_connected(&edges);
        assert!(
            c[0] != c[1] && c[1] != c[count - 1],
            "a chain is all singletons"
        );
    }
}
