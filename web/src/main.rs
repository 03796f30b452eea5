//! Entry point that Trunk builds (`data-bin="faultline-web"`); the app itself
//! lives in the library (src/lib.rs).

#[cfg(target_arch = "wasm32")]
fn main() {
    faultline_web::start();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("faultline-web runs in the browser: use scripts/serve");
    std::process::exit(2);
}
