//! Security headers on every response (a handler may set its own, e.g. the docs pages'
//! Content-Security-Policy, and it is kept).

use actix_web::middleware::DefaultHeaders;

/// The default security headers.
pub fn headers() -> DefaultHeaders {
    DefaultHeaders::new()
        .add(("X-Content-Type-Options", "nosniff"))
        .add(("X-Frame-Options", "DENY"))
        .add(("Referrer-Policy", "no-referrer"))
        .add((
            "Content-Security-Policy",
            "default-src 'none'; frame-ancestors 'none'",
        ))
        .add(("Cross-Origin-Opener-Policy", "same-origin"))
        .add(("Cache-Control", "no-store"))
}
