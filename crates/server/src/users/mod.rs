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
#[derive(Clone, Debug, Default, Deserialize, schemars::JsonSchema)]
pub struct UserForm {
    #[serde(default)]
    pub username: String,
    #[serde(default)]
    pub display_name: String,
    #[serde(default)]
    pub role: String,
    #[serde(default, deserialize_with = "text_or_number")]
    #[schemars(with = "weiyuan_domain::validation::TextOrNumber")]
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

/// The password printed in the README for the demo logins: refused for any other account.
pub const DEMO_PASSWORD: &str = "weiyuan-demo";

/// The least strength (zxcvbn's 0–4 scale: 3 is "safely unguessable", about 10^10 guesses).
pub const MIN_PASSWORD_SCORE: u8 = 3;

/// A new password: 10–128 characters, not the published demo password, and hard to guess
/// (zxcvbn, knowing the user's name and display name and the platform's own words).
pub fn check_password(field: &str, password: &str, user_inputs: &[&str]) -> Result<(), Invalid> {
    let n = password.chars().count();
    let e = |code: &str| Err(Invalid::one(FieldError::new(field, code)));
    if n < MIN_PASSWORD_CHARS {
        return Err(Invalid::one(FieldError::new(field, "error.password_too_short").with("min", MIN_PASSWORD_CHARS)));
    }
    if n > auth::MAX_PASSWORD_CHARS {
        return Err(Invalid::one(
            FieldError::new(field, "error.password_too_long").with("max", auth::MAX_PASSWORD_CHARS),
        ));
    }
    if password == DEMO_PASSWORD {
        return e("error.password_published");
    }
    let mut inputs: Vec<&str> = user_inputs.iter().copied().filter(|s| !s.is_empty()).collect();
    inputs.extend(["weiyuan", "pingyang", "微园", "平阳", "password", "admin"]);
    let score = u8::from(zxcvbn::zxcvbn(password, &inputs).score());
    if score < MIN_PASSWORD_SCORE {
        return Err(Invalid::one(FieldError::new(field, "error.password_weak").with("score", score)));
    }
    Ok(())
}

/// Check a new user and resolve its scope to ids; the password is hashed here.
pub async fn prepare(store: &Store, form: &UserForm) -> Result<NewUser, AppError> {
    prepare_with(store, form, false).await
}

/// The demo data's users, who share the published demo password (demo mode only).
pub async fn prepare_demo(store: &Store, form: &UserForm) -> Result<NewUser, AppError> {
    prepare_with(store, form, form.password == DEMO_PASSWORD).await
}

async fn prepare_with(store: &Store, form: &UserForm, demo_password: bool) -> Result<NewUser, AppError> {
    let mut c = Checker::new();
    // Usernames are kept in lower case, and a login finds them in any case.
    let username = form.username.trim().to_ascii_lowercase();
    if username.is_empty() {
        c.push(FieldError::new("username", "error.required"));
    } else if !valid_username(&username) {
        c.push(FieldError::new("username", "error.username_format"));
    }
    let display_name = c.text("display_name", &form.display_name, 50);
    let role = c.choice("role", &form.role, Role::parse);
    let scope = form.scope.trim();
    let (mut township_code, mut park_id, mut enterprise_id, mut agency_id) = (None, None, None, None);
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
        Some(Role::Agency) => {
            let agency = match scope.parse::<i64>() {
                Ok(id) => store.agency(id).await.ok(),
                Err(_) => store.find_agency(scope).await?,
            };
            match agency {
                Some(a) => agency_id = Some(a.id),
                None => c.push(FieldError::new("scope", "error.unknown_agency").with("value", scope)),
            }
        }
    }
    if !demo_password && let Err(e) = check_password("password", &form.password, &[&username, &display_name]) {
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
        agency_id,
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
    let admin = actor.user_admin()?;
    let new = prepare(store, form).await?;
    Ok(store.create_user(&admin, &AuditCtx::from(actor), &new).await?)
}

pub async fn reset_password(store: &Store, actor: &Actor, user_id: i64, password: &str) -> Result<(), AppError> {
    let admin = actor.user_admin()?;
    let user = store.get_user(user_id).await?;
    check_password("password", password, &[&user.username, &user.display_name])?;
    let hash = auth::hash_password_async(password.to_string()).await;
    Ok(store.set_password(&admin, &AuditCtx::from(actor), user_id, &hash).await?)
}

/// The routes of this feature, assembled by `routes::all`.
pub fn routes() -> Vec<(crate::routes::RouteSpec, crate::routing::Routed)> {
    use crate::routes::{api, page, public};
    use crate::routing::{get, post, put};
    vec![
        (public("POST", "/api/v1/auth/login", Some("auth"), "Log in; answers a bearer token"), post(api::login)),
        (api("POST", "/api/v1/auth/logout", "auth", "End the current session"), post(api::logout)),
        (api("GET", "/api/v1/me", "auth", "The caller and its scope"), get(api::me)),
        (api("PUT", "/api/v1/me/lang", "auth", "Set the caller's interface language"), put(api::set_lang)),
        (api("GET", "/api/v1/users", "users", "All users (county)"), get(api::list)),
        (api("POST", "/api/v1/users", "users", "Create a user (county)"), post(api::create)),
        (api("POST", "/api/v1/users/{id}/password", "users", "Reset a password (county)"), post(api::reset_password)),
        (public("GET", "/login", None, "Login page"), get(pages::login_form)),
        (public("POST", "/login", None, "Log in"), post(pages::login)),
        (public("POST", "/lang", None, "Switch language"), post(pages::set_lang)),
        (page("POST", "/logout", "Log out"), post(pages::logout)),
        (page("GET", "/users", "Users (county)"), get(pages::list)),
        (page("POST", "/users", "Create a user (county)"), post(pages::create)),
        (page("POST", "/users/{id}/password", "Reset a password (county)"), post(pages::reset_password)),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_are_plain_ascii() {
        assert!(valid_username("xiaojiang") && valid_username("wanyang.op-1"));
        assert!(!valid_username("ab") && !valid_username("萧江") && !valid_username("a b"));
    }

    fn code(password: &str, inputs: &[&str]) -> Option<String> {
        check_password("password", password, inputs).err().map(|e| e.0[0].code.clone())
    }

    #[test]
    fn weak_common_and_published_passwords_are_refused() {
        let e = check_password("password", "Ab3$xyz", &[]).unwrap_err();
        assert_eq!(e.0[0].params, vec![("min".to_string(), "10".to_string())]);
        for weak in ["1234567890", "password123", "qwertyuiop", "aaaaaaaaaaaa", "xiaojiang2026", "weiyuan2026!"] {
            assert_eq!(code(weak, &["xiaojiang", "萧江镇"]).as_deref(), Some("error.password_weak"), "{weak}");
        }
        assert_eq!(code(DEMO_PASSWORD, &[]).as_deref(), Some("error.password_published"));
        assert_eq!(code(&"x".repeat(129), &[]).as_deref(), Some("error.password_too_long"));
        assert_eq!(code(&"Kp7-".repeat(100_000), &[]).as_deref(), Some("error.password_too_long"), "never estimated");
        for strong in ["Lu-Qiao-Ferry-7341", "晴川历历汉阳树-1984", "correct horse battery staple"] {
            assert_eq!(code(strong, &["xiaojiang"]), None, "{strong}");
        }
    }

    #[test]
    fn a_login_waits_longer_after_each_failure() {
        use crate::auth::delay_after;
        assert_eq!((delay_after(4), delay_after(5), delay_after(6), delay_after(8)), (0, 60_000, 120_000, 480_000));
        assert_eq!(delay_after(9), 15 * 60_000);
        assert_eq!(delay_after(50), 15 * 60_000);
    }
}
