//! Files fetched from the page's own origin, when a panel first needs
//! them (the partitioning experiment's words, the exercises, the tours):
//! they stay out of the download until then.

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// What to do with a fetched text, or with why there is none.
pub type OnText = Box<dyn FnOnce(Result<String, String>)>;

/// Fetch `url` (relative to the page) as text, and hand `done` the text or
/// a sentence saying why there is none.
pub fn fetch_text(url: &str, done: impl FnOnce(Result<String, String>) + 'static) {
    fetch_boxed(url.to_string(), Box::new(done));
}

/// The fetch itself, compiled once (its closures are not generic).
fn fetch_boxed(url: String, done: OnText) {
    let Some(window) = web_sys::window() else { return };
    let done = std::rc::Rc::new(std::cell::RefCell::new(Some(done)));
    let finish = std::rc::Rc::new(move |result: Result<String, String>| {
        if let Some(done) = done.borrow_mut().take() {
            done(result);
        }
    });
    let (finish_text, finish_response, finish_error) = (finish.clone(), finish.clone(), finish);
    let (url_text, url_response, url_error) = (url.clone(), url.clone(), url.clone());
    let on_text: Closure<dyn FnMut(JsValue)> = Closure::new(move |text: JsValue| {
        finish_text(text.as_string().ok_or_else(|| format!("{url_text} is not text")));
    });
    let on_response: Closure<dyn FnMut(JsValue)> = Closure::new(move |response: JsValue| {
        let response: web_sys::Response = response.unchecked_into();
        if !response.ok() {
            return finish_response(Err(format!(
                "{url_response} answered {} {}",
                response.status(),
                response.status_text()
            )));
        }
        match response.text() {
            Ok(text) => {
                let _ = text.then(&on_text);
            }
            Err(_) => finish_response(Err(format!("{url_response} could not be read"))),
        }
    });
    let on_error: Closure<dyn FnMut(JsValue)> =
        Closure::new(move |_: JsValue| finish_error(Err(format!("{url_error} could not be fetched"))));
    let _ = window.fetch_with_str(&url).then(&on_response).catch(&on_error);
    // Each runs at most once, and may run after this returns: they are
    // left to the page (a few bytes each).
    on_response.forget();
    on_error.forget();
}
