//! Files fetched from the page's own origin, when a panel first needs
//! them (the partitioning experiment's words, the exercises, the tours):
//! they stay out of the download until then.

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// Fetch `url` (relative to the page) as text, and hand `done` the text or
/// a sentence saying why there is none.
pub fn fetch_text(url: &str, done: impl FnOnce(Result<String, String>) + 'static) {
    let Some(window) = web_sys::window() else { return };
    let done = std::rc::Rc::new(std::cell::RefCell::new(Some(done)));
    let finish = move |result: Result<String, String>| {
        if let Some(done) = done.borrow_mut().take() {
            done(result);
        }
    };
    let (url_text, url_response, url_error) = (url.to_string(), url.to_string(), url.to_string());
    let (finish_text, finish_response, finish_error) = (finish.clone(), finish.clone(), finish);
    let on_text = Closure::once(move |text: JsValue| {
        finish_text(text.as_string().ok_or_else(|| format!("{url_text} is not text")));
    });
    let on_response = Closure::once(move |response: JsValue| {
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
                on_text.forget();
            }
            Err(_) => finish_response(Err(format!("{url_response} could not be read"))),
        }
    });
    let on_error = Closure::once(move |_: JsValue| finish_error(Err(format!("{url_error} could not be fetched"))));
    let _ = window.fetch_with_str(url).then(&on_response).catch(&on_error);
    // Each runs at most once; a closure that never runs is a few bytes.
    on_response.forget();
    on_error.forget();
}
