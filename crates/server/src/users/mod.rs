//! Users: creation with a role and a scope, password resets, login and logout.
//! The CLI (`weiyuan user add`) and the county's pages go through the same checks.

pub mod api;
pub mod pages;

use crate::auth::{self, MIN_PASSWORD_CHARS};
use crate::error::AppError;
use serde::Deserialize;
use weiyuan_domain::access::{Actor, Lang, Role};
use weiyuan_domain::codes::find_township;
use weiyuan_domain::validation::{Checker, text_or_number};
use weiyuan_domain::{FieldError, Invalid};
use weiyuan_store::users::{NewUser, User};
use weiyuan_store::{AuditCtx, Store};

/// A user as entered: `scope` is a township (code or name) for township users, a park (id, code
/// or name) for operators and an enterprise (id or name) for enterprise users.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct UserForm {
    #[serde(default)]
    pub username: String,
    #[serde(default)]
    pub display_name: String,
    #[serde(default)]
    pub role: String,
    #[serde(default, deserialize_with = "text_or_number")]
    pub scope: String,
    #[serde(default)]
    pub password: String,
    #[serde(default)]
    pub lang: String,
}

fn valid_username(u: &str) -> bool {
    (3..=32).contains(&u.chars().count())
        && u.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
}

pub fn check_password(field: &str, password: &str) -> Result<(), Invalid> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        Err(Invalid::one(FieldError::new(field, "error.password_too_short").with("min", MIN_PASSWORD_CHARS)))
    } else {
        Ok(())
    }
}

/// Check a new user and resolve its scope to ids; the password is hashed here.
pub async fn prepare(store: &Store, form: &UserForm) -> Result<NewUser, AppError> {
    let mut c = Checker::new();
    let username = form.username.trim().to_string();
    if username.is_empty() {
        c.push(FieldError::new("username", "error.required"));
    } else if !valid_username(&username) {
        c.push(FieldError::new("username", "error.username_format"));
    }
    let display_name = c.text("display_name", &form.display_name, 50);
    let role = c.choice("role", &form.role, Role::parse);
    let scope = form.scope.trim();
    let (mut township_code, mut park_id, mut enterprise_id) = (None, None, None);
    match role {
        Some(Role::County) | None => {}
        Some(_) if scope.is_empty() => c.push(FieldError::new("scope", "error.scope_required")),
        Some(Role::Township) => match find_township(scope) {
            Some(t) => township_code = Some(t.code.to_string()),
            None => c.push(FieldError::new("scope", "error.unknown_township").with("value", scope)),
        },
        Some(Role::Operator) => {
            let park = match scope.parse::<i64>() {
                Ok(id) => store.get_park(id).await.ok(),
                Err(_) => match store.find_park_by_code(scope).await? {
                    Some(p) => Some(p),
                    None => store.find_park_by_name(scope).await?,
                },
            };
            match park {
                Some(p) => park_id = Some(p.id),
                None => c.push(FieldError::new("scope", "error.unknown_park").with("value", scope)),
            }
        }
        Some(Role::Enterprise) => {
            let ent = match scope.parse::<i64>() {
                Ok(id) => store.get_enterprise(id).await.ok(),
                Err(_) => store.find_enterprise(scope).await?,
            };
            match ent {
                Some(e) => enterprise_id = Some(e.id),
                None => c.push(FieldError::new("scope", "error.unknown_enterprise").with("value", scope)),
            }
        }
    }
    if let Err(e) = check_password("password", &form.password) {
        e.0.into_iter().for_each(|e| c.push(e));
    }
    let lang = Lang::parse(&form.lang).unwrap_or_default();
    c.finish(())?;
    Ok(NewUser {
        username,
        display_name,
        password_hash: auth::hash_password_async(form.password.clone()).await,
        role: role.expect("checked"),
        township_code,
        park_id,
        enterprise_id,
        lang,
    })
}

pub async fn list(store: &Store, actor: &Actor) -> Result<Vec<User>, AppError> {
    if !actor.is_county() {
        return Err(AppError::Forbidden);
    }
    Ok(store.list_users().await?)
}

pub async fn create(store: &Store, actor: &Actor, form: &UserForm) -> Result<User, AppError> {
    if !actor.is_county() {
        return Err(AppError::Forbidden);
    }
    let new = prepare(store, form).await?;
    Ok(store.create_user(&AuditCtx::from(actor), &new).await?)
}

pub async fn reset_password(store: &Store, actor: &Actor, user_id: i64, password: &str) -> Result<(), AppError> {
    if !actor.is_county() {
        return Err(AppError::Forbidden);
    }
    store.get_user(user_id).await?;
    check_password("password", password)?;
    let hash = auth::hash_password_async(password.to_string()).await;
    Ok(store.set_password(&AuditCtx::from(actor), user_id, &hash).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_are_plain_ascii() {
        assert!(valid_username("xiaojiang") && valid_username("wanyang.op-1"));
        assert!(!valid_username("ab") && !valid_username("萧江") && !valid_username("a b"));
    }

    #[test]
    fn short_passwords_are_refused_with_the_minimum() {
        assert!(check_password("password", "12345678").is_ok());
        let e = check_password("password", "1234567").unwrap_err();
        assert_eq!(e.0[0].params, vec![("min".to_string(), "8".to_string())]);
    }
}
