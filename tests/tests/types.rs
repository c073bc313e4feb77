//! Generated types against JSON: what deserialises, and what serialises back.

use integration_tests::recursive::types::{Category, Employee};
use serde_json::json;

#[test]
fn recursive_schemas_round_trip() {
    let category = json!({
        "name": "shoes",
        "parent": { "name": "clothing", "parent": { "name": "all" } },
        "children": [{ "name": "boots" }]
    });
    let parsed: Category = serde_json::from_value(category.clone()).unwrap();
    assert_eq!(
        parsed
            .parent
            .as_ref()
            .unwrap()
            .parent
            .as_ref()
            .unwrap()
            .name,
        "all"
    );
    assert_eq!(serde_json::to_value(&parsed).unwrap(), category);

    let employee = json!({ "name": "Ann", "team": { "lead": { "name": "Bo", "team": {} } } });
    let parsed: Employee = serde_json::from_value(employee.clone()).unwrap();
    assert_eq!(parsed.team.lead.as_ref().unwrap().name, "Bo");
    assert_eq!(serde_json::to_value(&parsed).unwrap(), employee);
}
