//! The xAPI sender against a small LRS, round by round: a batch the LRS
//! refuses (400, 409, 413, 422) is halved until each refused statement is
//! alone and parked with the answer; a 409 for a statement the LRS holds
//! already counts as sent; an LRS answering 503 is waited for.

use std::collections::BTreeSet;

use crate::xapi_kit::lrs::TestLrs;

#[tokio::test]
async fn a_refused_batch_is_halved_until_the_refused_ones_are_parked_and_what_the_lrs_has_already_counts_as_sent()
 {
    use sandpit::store::{NewOutboxStatement, OutboxCursor, Store};
    use sandpit::xapi::{Lrs, LrsSettings, SendReport, send_due};

    let addr = TestLrs::reserve();
    let lrs = TestLrs::start(addr, false).await;
    let data = tempfile::tempdir().unwrap();
    let store = Store::open(data.path()).await.unwrap();
    let config = sandpit::config::Config {
        xapi_endpoint: Some(TestLrs::endpoint(addr)),
        xapi_username: Some("sandpit".into()),
        xapi_password: Some(sandpit::config::Secret("s3cret".into())),
        ..sandpit::config::Config::default()
    };
    let client = || Lrs::new(LrsSettings::from_config(&config).unwrap().unwrap()).unwrap();
    let first = client();
    let cohort = uuid::Uuid::new_v4();
    let ids: Vec<uuid::Uuid> = (0..14).map(|_| uuid::Uuid::new_v4()).collect();
    let bodies: Vec<String> = ids
        .iter()
        .map(|id| serde_json::json!({"id": id}).to_string())
        .collect();
    let queue = |range: std::ops::Range<usize>| -> Vec<NewOutboxStatement> {
        ids[range.clone()]
            .iter()
            .zip(&bodies[range])
            .map(|(id, body)| NewOutboxStatement {
                id: *id,
                cohort_id: cohort,
                body,
            })
            .collect()
    };
    let cursor = OutboxCursor::default();
    assert_eq!(
        store
            .enqueue_statements(&queue(0..5), cursor)
            .await
            .unwrap(),
        5
    );
    assert_eq!(
        store
            .enqueue_statements(&queue(0..5), cursor)
            .await
            .unwrap(),
        0,
        "queueing the same statements again adds nothing"
    );
    {
        let mut log = lrs.log.lock().unwrap();
        // Sent before a crash that came before it was marked sent.
        log.known.insert(
            ids[1].to_string(),
            serde_json::from_str(&bodies[1]).unwrap(),
        );
        // Another statement under the same id: a real conflict.
        log.known.insert(
            ids[2].to_string(),
            serde_json::json!({"id": ids[2], "verb": {"id": "urn:other"}}),
        );
        log.poison.insert(ids[3].to_string());
    }

    let report = send_due(&store, &first).await.unwrap();
    assert_eq!(
        report,
        SendReport {
            sent: 3,
            failed: 0,
            refused: 2
        }
    );
    let status = store.outbox_status().await.unwrap();
    assert_eq!(
        (status.pending, status.sent, status.failing, status.parked),
        (0, 3, 0, 2)
    );
    assert_eq!(status.last_error, None, "a refusal is no failure to retry");
    let stored: BTreeSet<String> = lrs
        .statements()
        .iter()
        .map(|s| s["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        stored,
        BTreeSet::from([0, 4].map(|i| ids[i].to_string())),
        "the good ones are stored; the known one is not stored twice"
    );
    assert_eq!(lrs.log.lock().unwrap().reads, 2, "each 409 is read back");
    let parked = store.parked_statements(None).await.unwrap();
    let by_id = |i: usize| parked.iter().find(|p| p.id == ids[i].to_string()).unwrap();
    assert_eq!(by_id(2).status, 409);
    assert!(
        by_id(2).answer.contains("different statement"),
        "{}",
        by_id(2).answer
    );
    assert_eq!(by_id(3).status, 400);
    assert_eq!(by_id(3).answer, r#"{"error":"bad statement"}"#);
    // Parked ones are not tried again.
    let posts = lrs.log.lock().unwrap().posts;
    assert_eq!(
        send_due(&store, &first).await.unwrap(),
        SendReport::default()
    );
    assert_eq!(lrs.log.lock().unwrap().posts, posts);

    // The LRS side is fixed and an admin retries the poisoned one: it goes.
    lrs.log.lock().unwrap().poison.clear();
    assert_eq!(
        store
            .unpark_statements(Some(&ids[3].to_string()))
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        send_due(&store, &first).await.unwrap(),
        SendReport {
            sent: 1,
            failed: 0,
            refused: 0
        }
    );
    let status = store.outbox_status().await.unwrap();
    assert_eq!((status.sent, status.parked), (4, 1));

    // An LRS answering 503: one try, then nothing until the backoff ends.
    lrs.set_unavailable(true);
    store
        .enqueue_statements(&queue(5..8), cursor)
        .await
        .unwrap();
    assert_eq!(
        send_due(&store, &first).await.unwrap(),
        SendReport {
            sent: 0,
            failed: 3,
            refused: 0
        }
    );
    assert_eq!(lrs.refused(), 1);
    assert_eq!(
        send_due(&store, &first).await.unwrap(),
        SendReport::default()
    );
    assert_eq!(lrs.refused(), 1, "paused after a failure");
    let status = store.outbox_status().await.unwrap();
    assert_eq!((status.pending, status.failing, status.parked), (3, 3, 1));
    assert!(status.last_error.unwrap().contains("503"));

    // An LRS that takes at most 2 statements a POST answers 413 to more:
    // halves go, nothing is parked (a store of its own: the ones above wait
    // out their backoff).
    lrs.set_unavailable(false);
    lrs.log.lock().unwrap().max_batch = Some(2);
    let data = tempfile::tempdir().unwrap();
    let other = Store::open(data.path()).await.unwrap();
    other
        .enqueue_statements(&queue(8..12), cursor)
        .await
        .unwrap();
    assert_eq!(
        send_due(&other, &client()).await.unwrap(),
        SendReport {
            sent: 4,
            failed: 0,
            refused: 0
        }
    );
    let arrived = lrs.arrivals();
    for id in &ids[8..12] {
        assert_eq!(
            arrived[&id.to_string()],
            2,
            "refused in the batch of 4, then sent in a half"
        );
    }
    assert_eq!(other.outbox_status().await.unwrap().parked, 0);

    // A 409 the LRS will not explain (its key may not read statements):
    // waiting would not change that, so it is parked, saying so.
    {
        let mut log = lrs.log.lock().unwrap();
        log.max_batch = None;
        log.reads_forbidden = true;
        log.known.insert(
            ids[12].to_string(),
            serde_json::from_str(&bodies[12]).unwrap(),
        );
    }
    other
        .enqueue_statements(&queue(12..14), cursor)
        .await
        .unwrap();
    assert_eq!(
        send_due(&other, &client()).await.unwrap(),
        SendReport {
            sent: 1,
            failed: 0,
            refused: 1
        }
    );
    let parked = other.parked_statements(None).await.unwrap();
    assert_eq!(parked.len(), 1);
    assert_eq!(
        (parked[0].id.as_str(), parked[0].status),
        (ids[12].to_string().as_str(), 409)
    );
    assert!(
        parked[0]
            .answer
            .contains("the LRS answered 403 to reading statement"),
        "{}",
        parked[0].answer
    );
    other.close().await;
    store.close().await;
}
