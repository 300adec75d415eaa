//! The client list with no middleware and no authentication, to measure what the stack
//! costs (docs/PERFORMANCE.md). `DATABASE_URL=… PORT=… cargo run --release -p seo-transport --example bare_list`
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::as_conversions
)]

use actix_web::{App, HttpResponse, HttpServer, web};
use seo_domain::{ClientFilter, PageRequest};
use seo_persistence::{Database, DatabaseUrl, DbOptions};

async fn list(db: web::Data<Database>) -> HttpResponse {
    let page = PageRequest::new(Some(1), Some(50)).unwrap();
    HttpResponse::Ok().json(
        db.list_clients(ClientFilter::default(), page)
            .await
            .unwrap(),
    )
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let url = DatabaseUrl::parse(&std::env::var("DATABASE_URL").unwrap()).unwrap();
    let db = Database::connect(&url, &DbOptions::for_backend(url.backend()))
        .await
        .unwrap();
    let port: u16 = std::env::var("PORT").unwrap().parse().unwrap();
    HttpServer::new(move || {
        App::new()
            .app_data(web::Data::new(db.clone()))
            .route("/api/clients", web::get().to(list))
    })
    .bind(("127.0.0.1", port))?
    .run()
    .await
}
