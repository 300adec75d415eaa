//! Server-wide settings shared by every instance.

use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use crate::schema::app_settings;
use crate::{Database, DbResult, now};

impl Database {
    /// The stored value of `key`, if any.
    pub async fn get_setting(&self, key: &str) -> DbResult<Option<String>> {
        let key = key.to_string();
        self.run(move |mut conn| async move {
            Ok(db_run!(conn, c => {
                app_settings::table.find(&key).select(app_settings::value).first::<String>(c).await.optional()
            })?)
        })
        .await
    }

    /// Stores `value` under `key` unless a value is already there, and returns the value
    /// that is stored afterwards. Instances starting together agree on one value.
    pub async fn get_or_insert_setting(&self, key: &str, value: &str) -> DbResult<String> {
        let (key, value) = (key.to_string(), value.to_string());
        self.run(move |mut conn| async move {
            Ok(db_run!(conn, c => {
                diesel::insert_into(app_settings::table)
                    .values((app_settings::key.eq(&key), app_settings::value.eq(&value), app_settings::created_at.eq(now())))
                    .on_conflict_do_nothing()
                    .execute(c)
                    .await?;
                app_settings::table.find(&key).select(app_settings::value).first::<String>(c).await
            })?)
        })
        .await
    }

    /// Stores `value` under `key`, replacing what was there.
    pub async fn set_setting(&self, key: &str, value: &str) -> DbResult<()> {
        let (key, value) = (key.to_string(), value.to_string());
        self.run(move |mut conn| async move {
            db_run!(conn, c => {
                diesel::insert_into(app_settings::table)
                    .values((app_settings::key.eq(&key), app_settings::value.eq(&value), app_settings::created_at.eq(now())))
                    .on_conflict(app_settings::key)
                    .do_update()
                    .set(app_settings::value.eq(&value))
                    .execute(c)
                    .await
            })?;
            Ok(())
        })
        .await
    }

    /// Every stored setting whose key starts with `prefix`.
    pub async fn settings_with_prefix(&self, prefix: &str) -> DbResult<Vec<(String, String)>> {
        let pattern = format!(
            "{}%",
            prefix
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_")
        );
        self.run(move |mut conn| async move {
            Ok(db_run!(conn, c => {
                app_settings::table
                    .filter(app_settings::key.like(&pattern).escape('\\'))
                    .select((app_settings::key, app_settings::value))
                    .load::<(String, String)>(c)
                    .await
            })?)
        })
        .await
    }
}
