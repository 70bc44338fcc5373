//! Server secrets and runtime settings, and the store's own liveness.

use tessera_core::store::SharedStore;

use crate::fixtures::race;

/// The first stored value of a secret is returned forever after.
pub async fn keys_secret_first_value_wins(store: SharedStore) {
    let first = store
        .secret_get_or_insert("jwt", &[1, 2, 3, 0, 255])
        .await
        .unwrap();
    assert_eq!(first, vec![1, 2, 3, 0, 255]);
    assert_eq!(
        store.secret_get_or_insert("jwt", &[9, 9]).await.unwrap(),
        first
    );
    assert_eq!(
        store
            .secret_get_or_insert("pepper", &[7; 32])
            .await
            .unwrap(),
        vec![7; 32]
    );
    assert_eq!(store.secret_get_or_insert("jwt", &[]).await.unwrap(), first);
}

/// Nodes starting together each offer a different candidate; all get the same value.
pub async fn keys_secret_concurrent_first_calls_agree(store: SharedStore) {
    let values = race(&store, 20, |s, i| async move {
        let candidate = vec![u8::try_from(i).unwrap(); 16];
        s.secret_get_or_insert("seal", &candidate).await.unwrap()
    })
    .await;
    assert!(values.iter().all(|v| *v == values[0]), "{values:?}");
    assert_eq!(
        store
            .secret_get_or_insert("seal", &[0xFF; 16])
            .await
            .unwrap(),
        values[0]
    );
}

/// Settings: absent until set, then the latest value.
pub async fn keys_settings_get_set_overwrite(store: SharedStore) {
    assert_eq!(store.setting("registration").await.unwrap(), None);
    store.set_setting("registration", "open").await.unwrap();
    assert_eq!(
        store.setting("registration").await.unwrap().as_deref(),
        Some("open")
    );
    store.set_setting("registration", "invite").await.unwrap();
    store.set_setting("email_confirmation", "").await.unwrap();
    assert_eq!(
        store.setting("registration").await.unwrap().as_deref(),
        Some("invite")
    );
    assert_eq!(
        store
            .setting("email_confirmation")
            .await
            .unwrap()
            .as_deref(),
        Some("")
    );
}

/// `ping` works on a fresh store and the engine names itself.
pub async fn store_ping_and_engine(store: SharedStore) {
    store.ping().await.unwrap();
    assert!(
        ["sqlite", "postgres", "memory"].contains(&store.engine()),
        "{}",
        store.engine()
    );
}
