//! Users, sessions and login failures. Sessions and failure counts live in the database so that
//! several server processes share them.

use crate::audit::{self, AuditCtx, json};
use crate::{Result, Store, StoreError, col, now_ms, sql};
use serde::Serialize;
use sqlx::any::AnyRow;
use weiyuan_domain::access::{Actor, Lang, Role, UserAdmin};

/// A stored user, without its password hash.
#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub township_code: Option<String>,
    pub park_id: Option<i64>,
    pub enterprise_id: Option<i64>,
    /// The service agency of an agency user.
    pub agency_id: Option<i64>,
    pub lang: Lang,
    pub active: bool,
    pub created_at: i64,
}

/// A user to create: the scope field that matters depends on the role.
#[derive(Clone, Debug)]
pub struct NewUser {
    pub username: String,
    pub display_name: String,
    pub password_hash: String,
    pub role: Role,
    pub township_code: Option<String>,
    pub park_id: Option<i64>,
    pub enterprise_id: Option<i64>,
    pub agency_id: Option<i64>,
    pub lang: Lang,
}

const USER_COLUMNS: &str = "u.id, u.username, u.display_name, u.role, u.township_code, u.park_id, u.enterprise_id, \
    u.agency_id, u.lang, u.active, u.created_at, e.park_id AS enterprise_park_id";
const USER_FROM: &str = "users u LEFT JOIN enterprises e ON e.id = u.enterprise_id";

fn user_from_row(r: &AnyRow) -> Result<User> {
    let role: String = col(r, "role")?;
    let lang: String = col(r, "lang")?;
    Ok(User {
        id: col(r, "id")?,
        username: col(r, "username")?,
        display_name: col(r, "display_name")?,
        role: Role::parse(&role)
            .ok_or_else(|| StoreError::Db(sqlx::Error::Decode(format!("unknown role {role:?}").into())))?,
        township_code: col(r, "township_code")?,
        park_id: col::<Option<i64>>(r, "park_id")?.or(col(r, "enterprise_park_id")?),
        enterprise_id: col(r, "enterprise_id")?,
        agency_id: col(r, "agency_id")?,
        lang: Lang::parse(&lang).unwrap_or_default(),
        active: col::<i64>(r, "active")? != 0,
        created_at: col(r, "created_at")?,
    })
}

impl User {
    pub fn actor(&self) -> Actor {
        Actor {
            user_id: self.id,
            username: self.username.clone(),
            display_name: self.display_name.clone(),
            role: self.role,
            township_code: self.township_code.clone(),
            park_id: self.park_id,
            enterprise_id: self.enterprise_id,
            agency_id: self.agency_id,
            lang: self.lang,
        }
    }
}

impl Store {
    pub async fn create_user(&self, _by: &UserAdmin, ctx: &AuditCtx, u: &NewUser) -> Result<User> {
        let mut tx = self.write_tx().await?;
        // Usernames differ in more than letter case: `COUNTY` beside `county` would be a second
        // county that a clerk cannot tell apart.
        let clash = sqlx::query("SELECT id FROM users WHERE lower(username) = lower($1)")
            .bind(&u.username)
            .fetch_optional(&mut *tx)
            .await?;
        if clash.is_some() {
            return Err(StoreError::Duplicate("username"));
        }
        let row = sqlx::query(
            "INSERT INTO users (username, display_name, password_hash, role, township_code, park_id, enterprise_id, agency_id, lang, active, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
        )
        .bind(&u.username)
        .bind(&u.display_name)
        .bind(&u.password_hash)
        .bind(u.role.code())
        .bind(u.township_code.as_deref())
        .bind(u.park_id)
        .bind(u.enterprise_id)
        .bind(u.agency_id)
        .bind(u.lang.code())
        .bind(1_i64)
        .bind(now_ms())
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| StoreError::unique_as(e, "username"))?;
        let id: i64 = col(&row, "id")?;
        let user = user_from_row(
            &sqlx::query(sql(format!("SELECT {USER_COLUMNS} FROM {USER_FROM} WHERE u.id = $1")))
                .bind(id)
                .fetch_one(&mut *tx)
                .await?,
        )?;
        audit::record(&mut tx, ctx, "create", "user", Some(id), user.park_id, None, json(&user)).await?;
        tx.commit().await?;
        Ok(user)
    }

    pub async fn get_user(&self, id: i64) -> Result<User> {
        let row = sqlx::query(sql(format!("SELECT {USER_COLUMNS} FROM {USER_FROM} WHERE u.id = $1")))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)?;
        user_from_row(&row)
    }

    pub async fn find_user(&self, username: &str) -> Result<Option<User>> {
        let row =
            sqlx::query(sql(format!("SELECT {USER_COLUMNS} FROM {USER_FROM} WHERE lower(u.username) = lower($1)")))
                .bind(username)
                .fetch_optional(&self.pool)
                .await?;
        row.as_ref().map(user_from_row).transpose()
    }

    /// The user and its password hash, for checking a login.
    pub async fn user_credentials(&self, username: &str) -> Result<Option<(User, String)>> {
        let row = sqlx::query(sql(format!(
            "SELECT {USER_COLUMNS}, u.password_hash FROM {USER_FROM} WHERE lower(u.username) = lower($1)"
        )))
        .bind(username)
        .fetch_optional(&self.pool)
        .await?;
        match row {
            Some(r) => Ok(Some((user_from_row(&r)?, col(&r, "password_hash")?))),
            None => Ok(None),
        }
    }

    pub async fn list_users(&self) -> Result<Vec<User>> {
        let rows = sqlx::query(sql(format!("SELECT {USER_COLUMNS} FROM {USER_FROM} ORDER BY u.role, u.username")))
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(user_from_row).collect()
    }

    /// Set a new password hash and end the user's sessions.
    pub async fn set_password(&self, _by: &UserAdmin, ctx: &AuditCtx, user_id: i64, password_hash: &str) -> Result<()> {
        let user = self.get_user(user_id).await?;
        let mut tx = self.write_tx().await?;
        sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
            .bind(password_hash)
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(user_id).execute(&mut *tx).await?;
        let note = serde_json::json!({ "username": user.username, "password": "changed" });
        audit::record(&mut tx, ctx, "reset_password", "user", Some(user_id), user.park_id, None, Some(note)).await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn set_lang(&self, ctx: &AuditCtx, user_id: i64, lang: Lang) -> Result<()> {
        let user = self.get_user(user_id).await?;
        let mut tx = self.write_tx().await?;
        sqlx::query("UPDATE users SET lang = $1 WHERE id = $2")
            .bind(lang.code())
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        let before = serde_json::json!({ "lang": user.lang.code() });
        let after = serde_json::json!({ "lang": lang.code() });
        audit::record(&mut tx, ctx, "set_lang", "user", Some(user_id), None, Some(before), Some(after)).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Start a session; the token itself is never stored, only its hash.
    pub async fn create_session(
        &self,
        user: &User,
        token_hash: &str,
        csrf_token: &str,
        ttl_ms: i64,
        via: &str,
    ) -> Result<()> {
        let now = now_ms();
        let mut tx = self.write_tx().await?;
        sqlx::query("DELETE FROM sessions WHERE expires_at < $1").bind(now).execute(&mut *tx).await?;
        sqlx::query("INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(token_hash)
            .bind(user.id)
            .bind(csrf_token)
            .bind(now)
            .bind(now + ttl_ms)
            .execute(&mut *tx)
            .await?;
        let ctx = AuditCtx::user(user.id, &user.username);
        let note = serde_json::json!({ "via": via });
        audit::record(&mut tx, &ctx, "login", "session", None, None, None, Some(note)).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The user of a live session and the session's CSRF token.
    pub async fn session_user(&self, token_hash: &str) -> Result<Option<(User, String)>> {
        let row = sqlx::query(sql(format!(
            "SELECT {USER_COLUMNS}, s.csrf_token FROM sessions s JOIN users u ON u.id = s.user_id \
             LEFT JOIN enterprises e ON e.id = u.enterprise_id WHERE s.token_hash = $1 AND s.expires_at > $2 AND u.active = $3"
        )))
        .bind(token_hash)
        .bind(now_ms())
        .bind(1_i64)
        .fetch_optional(&self.pool)
        .await?;
        match row {
            Some(r) => Ok(Some((user_from_row(&r)?, col(&r, "csrf_token")?))),
            None => Ok(None),
        }
    }

    pub async fn end_session(&self, ctx: &AuditCtx, token_hash: &str) -> Result<()> {
        let mut tx = self.write_tx().await?;
        let done = sqlx::query("DELETE FROM sessions WHERE token_hash = $1").bind(token_hash).execute(&mut *tx).await?;
        if done.rows_affected() > 0 {
            audit::record(&mut tx, ctx, "logout", "session", None, None, None, None).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    pub async fn record_login_failure(&self, username: &str, client: &str) -> Result<()> {
        sqlx::query("INSERT INTO login_failures (username, client, at_ms) VALUES ($1, $2, $3)")
            .bind(username)
            .bind(client)
            .bind(now_ms())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Failures since an instant, as (for this username from this client: how many and the
    /// latest; from this client for any username: how many and the earliest).
    pub async fn login_failures_since(
        &self,
        username: &str,
        client: &str,
        since_ms: i64,
    ) -> Result<((i64, Option<i64>), (i64, Option<i64>))> {
        let pair = sqlx::query(
            "SELECT CAST(COUNT(*) AS BIGINT) AS n, MAX(at_ms) AS last FROM login_failures \
             WHERE username = $1 AND client = $2 AND at_ms >= $3",
        )
        .bind(username)
        .bind(client)
        .bind(since_ms)
        .fetch_one(&self.pool)
        .await?;
        let all = sqlx::query(
            "SELECT CAST(COUNT(*) AS BIGINT) AS n, MIN(at_ms) AS first FROM login_failures WHERE client = $1 AND at_ms >= $2",
        )
        .bind(client)
        .bind(since_ms)
        .fetch_one(&self.pool)
        .await?;
        Ok(((col(&pair, "n")?, col(&pair, "last")?), (col(&all, "n")?, col(&all, "first")?)))
    }

    /// A success clears this username's failures from this client (not those from elsewhere).
    pub async fn clear_login_failures(&self, username: &str, client: &str) -> Result<()> {
        sqlx::query("DELETE FROM login_failures WHERE username = $1 AND client = $2")
            .bind(username)
            .bind(client)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
