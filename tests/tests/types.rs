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

/// Deserialises `json` as `T`, serialises it back, and checks nothing
/// changed; returns the value for further checks.
fn round_trip<T>(json: serde_json::Value) -> T
where
    T: runtime::__private_v0_1::serde::de::DeserializeOwned
        + runtime::__private_v0_1::serde::Serialize,
{
    let parsed: T = serde_json::from_value(json.clone())
        .unwrap_or_else(|e| panic!("{json} does not deserialise: {e}"));
    assert_eq!(serde_json::to_value(&parsed).unwrap(), json);
    parsed
}

#[test]
fn enums_keep_values_the_document_does_not_list() {
    use integration_tests::enums::types::{Level, Order, OrderChannel, Priority, Status};

    let order: Order = round_trip(json!({
        "status": "in-progress",
        "priority": -1,
        "level": 20,
        "channel": "web"
    }));
    assert_eq!(order.status, Status::InProgress);
    assert_eq!(order.priority, Some(Priority::VMinus1));
    assert_eq!(order.level, Some(Level::High));
    assert_eq!(order.channel, Some(OrderChannel::Web));

    // A value the server added after the document was written.
    let order: Order = round_trip(json!({ "status": "returned", "priority": 7, "channel": "fax" }));
    assert_eq!(order.status, Status::Unknown2("returned".into()));
    assert_eq!(order.priority, Some(Priority::Unknown(7)));
    assert_eq!(order.channel, Some(OrderChannel::Unknown("fax".into())));

    // A listed value named like the fallback keeps its own variant.
    let order: Order = round_trip(json!({ "status": "Unknown", "previous": "placed" }));
    assert_eq!(order.status, Status::Unknown);
    assert_eq!(Status::InProgress.to_string(), "in-progress");
    assert_eq!(Level::Low.to_string(), "10");
}

#[test]
fn all_of_is_one_struct() {
    use integration_tests::all_of::types::{DogKind, Import, ImportOneOf, Owner, PetSize, ShowDog};

    let dog: ShowDog = round_trip(json!({
        "name": "Rex",
        "kind": "dog",
        "size": "large",
        "bark": "woof",
        "prizes": 3
    }));
    assert_eq!(dog.kind, DogKind::Dog);
    assert_eq!(dog.size, Some(PetSize::Large));
    assert!(serde_json::from_value::<ShowDog>(json!({ "name": "Rex", "bark": "woof" })).is_err());

    let imports: Vec<Import> = round_trip(json!([
        { "name": "a", "url": "https://example.com/a" },
        { "name": "b", "file": "b.bin", "size": "small" }
    ]));
    assert!(
        matches!(&imports[0].one_of, ImportOneOf::Variant1(v) if v.url == "https://example.com/a")
    );
    assert!(matches!(&imports[1].one_of, ImportOneOf::Variant2(v) if v.file == "b.bin"));

    let owner: Owner = round_trip(json!({
        "petName": "Tom",
        "petSize": "small",
        "pet": { "name": "Tom", "kind": "cat" },
        "best": { "name": "Rex", "kind": "dog", "bark": "woof" }
    }));
    assert_eq!(owner.pet.unwrap().name, "Tom");
    assert_eq!(owner.pet_size, Some(PetSize::Small));
}

#[test]
fn one_of_picks_the_variant() {
    use integration_tests::one_of::types::{Animal, Id, Owner, Pet, Shape};

    let pets: Vec<Pet> = round_trip(json!([
        { "petType": "kitten", "lives": 9 },
        { "petType": "dog", "bark": "woof" },
        { "petType": "fish", "fins": 2 }
    ]));
    assert!(matches!(&pets[0], Pet::Cat(cat) if cat.lives == 9 && cat.pet_type == "kitten"));
    assert!(matches!(&pets[1], Pet::Dog(_)));
    assert!(matches!(&pets[2], Pet::Unknown(_)));
    // The tag chooses the variant even when another would accept the value.
    let animal: Animal = serde_json::from_value(json!({ "petType": "Dog", "lives": 1 })).unwrap();
    assert!(matches!(animal, Animal::Dog(_)));
    assert!(serde_json::from_value::<Animal>(json!({ "petType": "Cat" })).is_err());

    let ids: Vec<Id> = round_trip(json!([5, "five"]));
    assert_eq!(ids, [Id::Integer(5), Id::String("five".into())]);

    let shapes: Vec<Shape> = round_trip(json!([{ "radius": 1.5 }, { "side": 2.0 }, [1, 2]]));
    assert!(matches!(shapes[0], Shape::Variant1(_)));
    assert!(matches!(shapes[1], Shape::Variant2(_)));
    assert!(matches!(shapes[2], Shape::Value(_)));

    let owner: Owner = round_trip(json!({
        "pet": { "petType": "cat", "lives": 7 },
        "maybe": { "petType": "dog" },
        "ids": [1, "x"],
        "shape": { "radius": 1.0 }
    }));
    assert!(matches!(owner.pet, Some(Pet::Cat(_))));
}

#[test]
fn unions_tagged_by_a_pinned_property_are_internally_tagged() {
    use integration_tests::one_of::types::{
        DiskState, DiskStateAttached, DiskStateGone, RouteKind,
    };

    let states: Vec<DiskState> = round_trip(json!([
        { "state": "creating" },
        { "state": "attached", "instance": "i-1" },
        { "instance": "i-2", "state": "attached", "since": "today" },
        { "state": "destroyed", "reason": "deleted", "by": "admin" },
        { "state": "resizing", "to": 10 }
    ]));
    assert_eq!(states[0], DiskState::Creating);
    assert_eq!(
        states[1],
        DiskState::Attached(DiskStateAttached {
            instance: "i-1".into(),
            since: None
        })
    );
    // The tag is the union's: the variant's type neither declares it nor
    // keeps it among unlisted properties, so it is written once.
    let DiskState::Gone(DiskStateGone {
        reason,
        additional_properties,
    }) = &states[3]
    else {
        panic!("{:?}", states[3]);
    };
    assert_eq!(reason, "deleted");
    assert_eq!(additional_properties.keys().collect::<Vec<_>>(), ["by"]);
    assert_eq!(
        states[4],
        DiskState::Unknown(json!({ "state": "resizing", "to": 10 }))
    );
    // A listed tag with a body that does not fit is an error, not `Unknown`.
    let error = serde_json::from_value::<DiskState>(json!({ "state": "attached" })).unwrap_err();
    assert!(
        error.to_string().contains("missing field `instance`"),
        "{error}"
    );
    assert!(serde_json::from_value::<DiskState>(json!({ "instance": "i-1" })).is_err());

    let kinds: Vec<RouteKind> = round_trip(json!(["default", "vpc_subnet", "custom", "peering"]));
    assert_eq!(
        kinds,
        [
            RouteKind::Default,
            RouteKind::VpcSubnet,
            RouteKind::Custom,
            RouteKind::Unknown("peering".into())
        ]
    );
}

#[test]
fn maps_keep_every_property() {
    use integration_tests::maps::types::{Counts, Labels, Loose, Settings};

    let settings: Settings = round_trip(json!({
        "name": "main",
        "additional_properties": true,
        "dark-mode": { "enabled": true },
        "beta": {}
    }));
    assert_eq!(settings.additional_properties, Some(true));
    assert_eq!(
        settings.additional_properties_2["dark-mode"].enabled,
        Some(true)
    );
    assert_eq!(settings.additional_properties_2.len(), 2);

    let loose: Loose = round_trip(json!({
        "id": "1",
        "extra": { "anything": [1, { "goes": null }] },
        "meta": { "k": 1 },
        "unlisted": 5
    }));
    assert_eq!(loose.additional_properties["unlisted"], json!(5));

    let labels: Labels = round_trip(json!({ "a": "x", "b": "y" }));
    assert_eq!(labels["b"], "y");
    round_trip::<Counts>(json!({ "a": 1 }));
    assert!(serde_json::from_value::<Counts>(json!({ "a": "one" })).is_err());
}

#[test]
fn formats_choose_types() {
    use integration_tests::formats::types::Sample;

    let sample: Sample = round_trip(json!({
        "small": -2147483648,
        "big": 9007199254740993i64,
        "count": 4294967295u32,
        "huge": 18446744073709551615u64,
        "tiny": -128,
        "byte": 255,
        "ratio": 1.5,
        "precise": 0.1,
        "at": "2024-05-01T12:30:00.123+02:00",
        "day": "2024-05-01",
        "id": "67e55044-10b1-426f-9247-bb680e5fe0c8",
        "raw": "aGVsbG8=",
        "file": "bytes",
        "plain": "a@example.com"
    }));
    assert_eq!(sample.at.timezone().local_minus_utc(), 7200);
    assert_eq!(sample.day.to_string(), "2024-05-01");
    assert_eq!(sample.id.get_version_num(), 4);
    assert_eq!(sample.huge, Some(u64::MAX));
    let utc: Sample = round_trip(json!({
        "small": 0, "big": 0, "count": 0, "ratio": 0.0, "precise": 0.0,
        "at": "2024-05-01T12:30:00Z", "day": "2024-02-29",
        "id": "00000000-0000-0000-0000-000000000000", "raw": "", "file": "", "plain": ""
    }));
    assert_eq!(utc.at.timezone().local_minus_utc(), 0);
    assert!(serde_json::from_value::<Sample>(json!({ "at": "yesterday" })).is_err());
}

#[test]
fn hostile_names_keep_their_wire_names() {
    use integration_tests::hostile::types::{Either, Everything, Unknown};

    let everything = json!({
        "type": "t",
        "self": true,
        "Self": 1,
        "": 1.5,
        "🐶": "woof",
        "🐱": "meow",
        "petTag": "a",
        "pet_tag": "b",
        "PetTag": "c",
        "pet-tag": "d",
        "1st": "first",
        "123": 123,
        "fn": "await",
        "unknown": "🐱",
        "additional_properties": "listed",
        "_": "underscore",
        "not listed": "kept"
    });
    let parsed: Everything = round_trip(everything.clone());
    assert_eq!(parsed.self_2, 1);
    assert_eq!(parsed.pet_tag_4.as_deref(), Some("d"));
    assert_eq!(parsed.unknown, Some(Unknown::Empty3));
    assert_eq!(parsed.additional_properties_2["not listed"], "kept");

    let values: Vec<Unknown> = round_trip(json!([
        "", "🐶", "a", "A", "a-b", "a_b", "unknown", "1", "-1", "_", "new"
    ]));
    assert_eq!(values[0], Unknown::Empty);
    assert_eq!(values[8], Unknown::Minus1);
    assert_eq!(values[10], Unknown::Unknown3("new".into()));

    let either: Vec<Either> = round_trip(json!(["text", 7, everything]));
    assert!(matches!(either[0], Either::Type(_)));
    assert!(matches!(either[1], Either::Self_(7)));
    assert!(matches!(either[2], Either::Everything(_)));
}
