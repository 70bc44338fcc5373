//! clumsy-tools to-do items over HTTP: the wire shapes of COMPAT.md, repeat strategies and
//! `nextDate` as clients see them, list order, finishing, validation, and isolation between
//! users.

use reqwest::StatusCode;
use serde_json::{json, Value};
use tessera_e2e::{on_both_engines, Engine, TestApp};

const PW: &str = "abc123xyz";

/// Registers `email` through the dialect and returns an access token.
async fn token(app: &TestApp, email: &str) -> String {
    let res = reqwest::Client::new()
        .post(app.url("/fo/rest/token/new/by-register/local"))
        .form(&[
            ("grant_type", "password"),
            ("username", email),
            ("password", PW),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let body: Value = res.json().await.unwrap();
    body["access_token"].as_str().unwrap().to_owned()
}

struct Client<'a> {
    app: &'a TestApp,
    token: String,
    http: reqwest::Client,
}

impl<'a> Client<'a> {
    async fn new(app: &'a TestApp, email: &str) -> Self {
        Self {
            token: token(app, email).await,
            app,
            http: reqwest::Client::new(),
        }
    }

    async fn send(&self, req: reqwest::RequestBuilder) -> (u16, Value) {
        let res = req.bearer_auth(&self.token).send().await.unwrap();
        let status = res.status().as_u16();
        let text = res.text().await.unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    async fn create(&self, body: Value) -> (u16, Value) {
        self.send(
            self.http
                .post(self.app.url("/fo/rest/todo/items"))
                .json(&body),
        )
        .await
    }

    async fn update(&self, id: &Value, body: Value) -> (u16, Value) {
        self.send(
            self.http
                .post(self.app.url(&format!("/fo/rest/todo/items/{id}")))
                .json(&body),
        )
        .await
    }

    async fn get(&self, id: &Value) -> (u16, Value) {
        self.send(
            self.http
                .get(self.app.url(&format!("/fo/rest/todo/items/{id}"))),
        )
        .await
    }

    async fn list(&self, now: &str) -> (u16, Value) {
        self.send(
            self.http
                .get(self.app.url("/fo/rest/todo/items"))
                .header("clientCurrentDateTime", now),
        )
        .await
    }

    async fn finish(&self, id: &Value, now: Option<&str>) -> (u16, Value) {
        let mut req = self
            .http
            .post(self.app.url(&format!("/fo/rest/todo/items/{id}/finish")));
        if let Some(now) = now {
            req = req.header("clientCurrentDateTime", now);
        }
        self.send(req).await
    }
}

fn ids(list: &Value) -> Vec<Value> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].clone())
        .collect()
}

async fn one_off_items_round_trip_and_finish(engine: Engine) {
    let Some(app) = TestApp::spawn(engine).await else {
        return;
    };
    let c = Client::new(&app, "todo@example.com").await;
    let (status, item) = c
        .create(json!({"task": "  buy milk  ", "date": "2026-03-01", "moreInfo": "2 litres"}))
        .await;
    assert_eq!(status, 200, "{item}");
    assert!(item["id"].as_i64().unwrap() > 0);
    assert_eq!(item["task"], "buy milk", "the task is trimmed");
    assert_eq!(item["moreInfo"], "2 litres");
    assert_eq!(item["date"], "2026-03-01");
    assert_eq!(item["type"], "NORMAL");
    assert_eq!(item["finished"], false);
    assert_eq!(item["nextDate"], Value::Null);
    assert_eq!(item["repeatStrategy"], Value::Null);
    assert!(
        item["createdAt"].as_i64().unwrap() > 1_600_000_000_000,
        "epoch ms"
    );
    assert_eq!(item["createdAt"], item["updatedAt"]);
    let me: Value = reqwest::Client::new()
        .get(app.url("/fo/rest/user/profile/me"))
        .bearer_auth(&c.token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(item["userId"], me["id"]);

    let (status, got) = c.get(&item["id"]).await;
    assert_eq!(status, 200);
    assert_eq!(got, item, "what was created reads back identically");

    let (status, updated) = c
        .update(
            &item["id"],
            json!({"task": "buy oat milk", "moreInfo": null}),
        )
        .await;
    assert_eq!(status, 200, "{updated}");
    assert_eq!(updated["task"], "buy oat milk");
    assert_eq!(updated["moreInfo"], Value::Null);
    assert_eq!(
        updated["date"],
        Value::Null,
        "an update replaces every field"
    );
    assert_eq!(updated["createdAt"], item["createdAt"]);

    let (status, body) = c.finish(&item["id"], None).await;
    assert_eq!(status, 200);
    assert_eq!(body, json!({}));
    let (status, body) = c.get(&item["id"]).await;
    assert_eq!(status, 460, "a finished item is not found");
    assert_eq!(body["error"], "NO_RECORD");
    let (_, list) = c.list("2026-03-01T08:00:00").await;
    assert_eq!(list, json!([]));
    let (status, _) = c.finish(&item["id"], None).await;
    assert_eq!(status, 460, "finishing twice fails");
}
on_both_engines!(one_off_items_round_trip_and_finish);

async fn serial_items_compute_next_date_and_move_on_when_finished(engine: Engine) {
    let Some(app) = TestApp::spawn(engine).await else {
        return;
    };
    let c = Client::new(&app, "serial@example.com").await;
    // Every 2 weeks from Monday 2024-01-01.
    let (status, fortnight) = c
        .create(json!({
            "task": "water plants",
            "date": "2024-01-01",
            "repeatStrategy": {"repeatMode": "PERIOD", "modeDetail": {"period": 2, "unit": "WEEK", "note": "kept"}}
        }))
        .await;
    assert_eq!(status, 200, "{fortnight}");
    assert_eq!(fortnight["type"], "SERIAL");
    assert_eq!(
        fortnight["repeatStrategy"],
        json!({"repeatMode": "PERIOD", "modeDetail": {"period": 2, "unit": "WEEK", "note": "kept"}}),
        "unknown detail keys are echoed back"
    );
    // The 31st of each month: in February 2024 (leap year) that is the 29th.
    let (_, month_end) = c
        .create(json!({
            "task": "pay rent",
            "date": "2024-01-31",
            "repeatStrategy": {"repeatMode": "DAY_IN_MONTH", "modeDetail": {"dayInMonth": 31}}
        }))
        .await;
    let (_, weekdays) = c
        .create(json!({
            "task": "gym",
            "date": "2024-01-01",
            "repeatStrategy": {"repeatMode": "DAYS_OF_WEEK", "modeDetail": {"daysOfWeek": ["SATURDAY", "WEDNESDAY"]}}
        }))
        .await;
    let (_, undated) = c.create(json!({"task": "someday"})).await;
    let (_, dated) = c
        .create(json!({"task": "dentist", "date": "2024-02-10"}))
        .await;

    // Client's today: Thursday 2024-02-08.
    let (status, list) = c.list("2024-02-08T23:59:59").await;
    assert_eq!(status, 200, "{list}");
    let next = |id: &Value| {
        list.as_array()
            .unwrap()
            .iter()
            .find(|i| &i["id"] == id)
            .unwrap()["nextDate"]
            .clone()
    };
    assert_eq!(next(&fortnight["id"]), "2024-02-12");
    assert_eq!(next(&month_end["id"]), "2024-02-29");
    assert_eq!(next(&weekdays["id"]), "2024-02-10");
    // By effective date; on the same day (2024-02-10) the older item first; no date last.
    assert_eq!(
        ids(&list),
        vec![
            weekdays["id"].clone(),
            dated["id"].clone(),
            fortnight["id"].clone(),
            month_end["id"].clone(),
            undated["id"].clone(),
        ]
    );

    // Finishing a serial item marks its next occurrence done; the series stays open.
    let (status, _) = c.finish(&weekdays["id"], Some("2024-02-08T09:00:00")).await;
    assert_eq!(status, 200);
    let (status, after) = c.get(&weekdays["id"]).await;
    assert_eq!(status, 200, "the series is still open");
    assert_eq!(after["finished"], false);
    let (_, list) = c.list("2024-02-08T09:00:00").await;
    let gym = list
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == weekdays["id"])
        .unwrap();
    assert_eq!(
        gym["nextDate"], "2024-02-14",
        "Saturday done: next is Wednesday"
    );

    // Across a year boundary and a non-leap February.
    let (_, list) = c.list("2025-02-01T00:00:00").await;
    let rent = list
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == month_end["id"])
        .unwrap();
    assert_eq!(rent["nextDate"], "2025-02-28");
}
on_both_engines!(serial_items_compute_next_date_and_move_on_when_finished);

async fn invalid_items_are_refused_and_change_nothing(engine: Engine) {
    let Some(app) = TestApp::spawn(engine).await else {
        return;
    };
    let c = Client::new(&app, "strict@example.com").await;
    let long = "x".repeat(201);
    for (body, field) in [
        (json!({"date": "2024-01-01"}), "task"),
        (json!({"task": "   "}), "task"),
        (json!({"task": long}), "task"),
        (json!({"task": 12}), "task"),
        (json!({"task": "t", "date": "2024-02-30"}), "date"),
        (json!({"task": "t", "date": "01/02/2024"}), "date"),
        (json!({"task": "t", "moreInfo": ["a"]}), "moreInfo"),
        (
            json!({"task": "t", "repeatStrategy": "daily"}),
            "repeatStrategy",
        ),
        (
            json!({"task": "t", "repeatStrategy": {"repeatMode": "PERIOD", "modeDetail": {"period": 1, "unit": "DAY"}}}),
            "date",
        ),
        (
            json!({"task": "t", "date": "2024-01-01", "repeatStrategy": {"modeDetail": {}}}),
            "repeatStrategy.repeatMode",
        ),
        (
            json!({"task": "t", "date": "2024-01-01", "repeatStrategy": {"repeatMode": "HOURLY", "modeDetail": {}}}),
            "repeatStrategy.repeatMode",
        ),
        (
            json!({"task": "t", "date": "2024-01-01", "repeatStrategy": {"repeatMode": "PERIOD"}}),
            "repeatStrategy.modeDetail",
        ),
        (
            json!({"task": "t", "date": "2024-01-01", "repeatStrategy": {"repeatMode": "PERIOD", "modeDetail": {"period": 0, "unit": "DAY"}}}),
            "repeatStrategy.modeDetail",
        ),
        (
            json!({"task": "t", "date": "2024-01-01", "repeatStrategy": {"repeatMode": "DAY_IN_MONTH", "modeDetail": {"dayInMonth": 32}}}),
            "repeatStrategy.modeDetail",
        ),
        (
            json!({"task": "t", "date": "2024-01-01", "repeatStrategy": {"repeatMode": "DAYS_OF_WEEK", "modeDetail": {"daysOfWeek": []}}}),
            "repeatStrategy.modeDetail",
        ),
    ] {
        let (status, err) = c.create(body.clone()).await;
        assert_eq!(status, 460, "{body} -> {err}");
        assert_eq!(err["error"], "INVALID_INPUT", "{body}");
        assert!(
            err["field_errors_for_user"].get(field).is_some(),
            "{body} should blame {field}: {err}"
        );
    }
    // Not JSON, not an object, empty.
    for raw in ["{", "[1,2]", ""] {
        let (status, err) = c
            .send(
                c.http
                    .post(app.url("/fo/rest/todo/items"))
                    .header("content-type", "application/json")
                    .body(raw),
            )
            .await;
        assert_eq!(status, 460, "{raw:?}");
        assert_eq!(err["error"], "INVALID_INPUT");
    }
    // A huge body is refused, not a 5xx.
    let (status, _) = c
        .create(json!({"task": "t", "moreInfo": "y".repeat(3 * 1024 * 1024)}))
        .await;
    assert!((400..500).contains(&status) || status == 460, "{status}");

    // The list call needs a well-formed client time.
    let (status, err) = c.send(c.http.get(app.url("/fo/rest/todo/items"))).await;
    assert_eq!(status, 460);
    assert_eq!(err["error"], "INVALID_INPUT");
    let (status, _) = c.list("yesterday").await;
    assert_eq!(status, 460);
    assert_eq!(c.list("2011-12-03T10:15").await.0, 200);
    assert_eq!(c.list("2011-12-03T10:15:30.123").await.0, 200);

    let (_, list) = c.list("2024-01-01T00:00:00").await;
    assert_eq!(list, json!([]), "nothing was stored");

    // Ids that are not int64 name no resource; unknown ids are NO_RECORD.
    let (status, _) = c.get(&json!("abc")).await;
    assert_eq!(status, 404);
    let (status, err) = c.get(&json!(999_999)).await;
    assert_eq!(status, 460);
    assert_eq!(err["error"], "NO_RECORD");

    // Without a token.
    let res = reqwest::Client::new()
        .get(app.url("/fo/rest/todo/items"))
        .header("clientCurrentDateTime", "2024-01-01T00:00:00")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert!(res.headers().get("www-authenticate").is_some());
}
on_both_engines!(invalid_items_are_refused_and_change_nothing);

async fn one_user_never_touches_another_users_items(engine: Engine) {
    let Some(app) = TestApp::spawn(engine).await else {
        return;
    };
    let alice = Client::new(&app, "alice-todo@example.com").await;
    let mallory = Client::new(&app, "mallory-todo@example.com").await;
    let (_, item) = alice
        .create(json!({"task": "secret plan", "date": "2024-05-05"}))
        .await;
    let id = &item["id"];

    let (status, err) = mallory.get(id).await;
    assert_eq!(status, 460);
    assert_eq!(err["error"], "NO_RECORD");
    let (status, err) = mallory.update(id, json!({"task": "hijacked"})).await;
    assert_eq!(status, 460);
    assert_eq!(err["error"], "NO_RECORD");
    let (status, _) = mallory.finish(id, None).await;
    assert_eq!(status, 460);
    let (_, list) = mallory.list("2024-05-01T00:00:00").await;
    assert_eq!(list, json!([]));

    let (status, mine) = alice.get(id).await;
    assert_eq!(status, 200);
    assert_eq!(mine, item, "untouched by the other user");
}
on_both_engines!(one_user_never_touches_another_users_items);
