//! The workbench page: the caller's to-do counts as tiles, each a link to its list.

use super::{Todo, Workbench};
use crate::AppState;
use crate::pages::{PageCtx, PageError, PageUser, render};
use askama::Template;
use axum::extract::State;
use axum::response::Response;

#[derive(Template)]
#[template(path = "workbench.html")]
pub struct WorkbenchPage {
    pub ctx: PageCtx,
    pub w: Workbench,
    /// The caller's unread notifications (alarms and notices), newest first.
    pub notes: Vec<crate::alarms::NotificationView>,
}

impl WorkbenchPage {
    /// Things that ask the caller to act first, then those only to know; each in its order.
    fn ordered(&self) -> Vec<&Todo> {
        let (act, know): (Vec<&Todo>, Vec<&Todo>) = self.w.todos.iter().partition(|t| t.urgent);
        act.into_iter().chain(know).collect()
    }

    fn label(&self, t: &Todo) -> String {
        self.ctx.tr.t(&format!("todo.{}", t.key)).to_string()
    }
}

pub async fn home(State(s): State<AppState>, u: PageUser) -> Result<Response, PageError> {
    let w = super::of(&s.store, &u.actor).await.map_err(u.fail())?;
    let notes = crate::alarms::notification_views(&s.store, &u.actor, 10, true).await.map_err(u.fail())?;
    Ok(render(&WorkbenchPage { ctx: u.ctx(), w, notes }))
}
