//! A teardown and a pool refill racing: a refill that read the cohort
//! before it was torn down must start nothing after.

use crate::common::{fixture_scenarios, test_app};
use sandpit::sandbox::CohortRequest;
use sandpit::sandbox::roster::seats;
use sandpit::store::Role;

#[tokio::test]
async fn a_pool_refill_holding_a_cohort_read_before_its_teardown_starts_nothing() {
    let t = test_app(fixture_scenarios()).await;
    let (user, _) = t.auth.create_user("tess", Role::Trainer).await.unwrap();
    let scenario = t.scenario("tiny").unwrap().clone();
    let starts_at = chrono::Utc::now() + chrono::TimeDelta::days(1);
    let cohort = t
        .service
        .create_cohort(
            &user,
            &scenario,
            CohortRequest {
                name: "Race".into(),
                starts_at,
                ends_at: starts_at + chrono::TimeDelta::hours(3),
                roster: seats(2).unwrap(),
                spare: 0,
                max_sandboxes: None,
                time_zone: sandpit::timezone::TimeZone::PARIS,
            },
        )
        .await
        .unwrap();
    t.store.mark_cohort_launched(*cohort.id).await.unwrap();
    // What a refill in flight (the pool tender, a claim's top-up) holds.
    let stale = t.store.cohort(*cohort.id).await.unwrap().unwrap();
    assert!(stale.launched_at.is_some() && stale.torn_down_at.is_none());

    let report = t.service.teardown_cohort(*cohort.id).await.unwrap();
    assert_eq!(report.removed, 0);
    let late = t.service.fill_pool(&stale, &scenario).await.unwrap();
    let live = t.store.state_counts(Some(*cohort.id)).await.unwrap().live();
    if late.started > 0 {
        // Clean up what the bug made before failing.
        t.service.teardown_cohort(*cohort.id).await.unwrap();
    }
    assert_eq!(late.started, 0, "{late:?}");
    assert_eq!(late.refused, 2);
    assert_eq!(live, 0);
    t.assert_nothing_left().await;
}
