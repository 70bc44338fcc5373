//! The store conformance suite, run against every engine.
//!
//! [`cases`] holds one async function per behaviour, each taking a fresh
//! [`SharedStore`](tessera_core::store::SharedStore); [`all_cases!`] lists them so an
//! engine's test file can generate one test per case. [`postgres`] gives any crate's tests
//! a fresh, throw-away PostgreSQL database.

pub mod cases;
pub mod fixtures;
pub mod postgres;

pub use postgres::{fresh_postgres_url, DropGuard};

/// Calls `$callback!(case, case, ...)` with the name of every function in [`cases`], so
/// a test file can expand one `#[tokio::test]` per case and engine without repeating the
/// list. Each name is a function `cases::<name>(SharedStore)`.
#[macro_export]
macro_rules! all_cases {
    ($callback:ident) => {
        $callback! {
            // users
            user_insert_and_lookups,
            user_insert_writes_outbox_atomically,
            user_duplicate_email_conflicts,
            user_duplicate_username_conflicts,
            user_update_conflicts,
            user_update_round_trips_every_field,
            user_timestamps_keep_microseconds,
            user_set_password_hash_revokes_as_asked,
            user_advance_totp_step_refuses_replays,
            user_advance_totp_step_is_atomic,
            user_update_leaves_credentials_alone,
            user_list_pages_in_creation_order,
            user_insert_keeps_status_and_creator,
            // admin search and erasure
            user_search_prefix_matches_email_or_username,
            user_search_orders_and_pages,
            user_search_excludes_deleted_unless_asked,
            user_erase_removes_everything_listed,
            user_erase_refused_changes_nothing,
            // sessions
            session_round_trip,
            session_single_per_user_revokes_others,
            session_single_per_user_race_leaves_one,
            session_single_per_user_spares_other_dialects,
            session_touch_never_moves_backward,
            session_revoke_one_and_all,
            session_revoke_unexpired_of_one_user_or_everyone,
            session_unknown_user_is_not_found,
            // one-time codes
            code_put_replaces_previous,
            code_spend_attempt_counts_down,
            code_consume_once_under_race,
            code_delete_and_purge,
            // lockout
            lockout_counts_windows_and_locks,
            lockout_is_atomic_under_race,
            lockout_clear_forgets,
            // login history and audit
            audit_login_summary_counts_successes,
            audit_list_newest_first_and_filtered,
            audit_purge_by_age,
            // outbox
            outbox_claim_due_leases,
            outbox_mark_sent_and_failed,
            outbox_claims_never_overlap,
            // opaque token pairs and numeric user ids
            token_pair_round_trip,
            token_spend_once_under_race,
            token_purge_by_refresh_expiry,
            user_numbers_are_stable_and_distinct,
            // invite codes
            invite_round_trip_and_conflicts,
            invite_owner_quota_counts_down,
            invite_system_code_uses,
            invite_quota_never_overspent_under_race,
            // to-do items
            todo_round_trips_every_field,
            todo_ids_increase,
            todo_insert_for_unknown_user_is_not_found,
            todo_scoped_by_user,
            todo_list_excludes_finished,
            todo_update_replaces_fields,
            todo_done_through_moves_forward,
            todo_finish_once_under_race,
            // roles
            role_round_trip_and_ids,
            role_name_conflicts_case_insensitively,
            role_assignments,
            // files
            file_round_trip_and_listing,
            file_quota_refuses_overshoot,
            file_avatar_replaces_previous,
            file_quota_holds_under_race,
            file_count_limit_refuses_extra_files,
            file_count_limit_holds_under_race,
            // social identities
            identity_bind_lookup_and_uniqueness,
            identity_insert_external_user_is_all_or_nothing,
            identity_erasure_removes_the_accounts_bindings,
            identity_bindings_of_a_user_are_listed_until_erasure,
            identity_concurrent_binds_leave_one_winner,
            identity_concurrent_external_inserts_leave_one_account,
            // keys and settings
            keys_secret_first_value_wins,
            keys_secret_concurrent_first_calls_agree,
            keys_settings_get_set_overwrite,
            store_ping_and_engine,
        }
    };
}
