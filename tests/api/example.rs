//! `examples/actix_app.rs`, built in-process from its own `routes` and `auth_service`: the
//! `WpUser` extractor and the `RequireWpLogin` middleware over the real store and database.

use actix_web::http::StatusCode;
use actix_web::{App, test, web};
use secrecy::SecretString;
use wpgate::service::{LoginForm, RequestContext};

use crate::helpers::*;

#[path = "../../examples/actix_app.rs"]
#[allow(dead_code, unreachable_pub)]
mod actix_app;

/// A logged-in `Cookie` header for `login`, made by the library's own login.
async fn login_cookie(auth: &wpgate::service::AuthService, login: &str, password: &str) -> String {
    let form = LoginForm {
        log: login.to_owned(),
        pwd: SecretString::from(password.to_owned()),
        rememberme: false,
    };
    let done = auth.login(&RequestContext::default(), form).await.unwrap();
    let lines: Vec<String> =
        done.cookies.iter().map(|c| c.header_value(auth.now()).unwrap()).collect();
    cookie_header(&lines)
}

#[actix_web::test]
async fn example_routes_answer_401_without_and_200_with_a_wordpress_login() {
    let (db, settings) = test_site(&AppOptions::default()).await;
    let (auth, _background) = actix_app::auth_service(&settings).await.unwrap();
    let alice = db.user("alice");
    let bob = db.user("bob");
    let alice_cookie = login_cookie(&auth, "alice", alice.spec.password).await;
    let bob_cookie = login_cookie(&auth, "bob", bob.spec.password).await;
    let app =
        test::init_service(App::new().app_data(web::Data::new(auth)).configure(actix_app::routes))
            .await;

    let get = |path: &str, cookie: Option<&str>| {
        let mut request = test::TestRequest::get().uri(path);
        if let Some(cookie) = cookie {
            request = request.insert_header(("Cookie", cookie.to_owned()));
        }
        request.to_request()
    };

    // The extractor.
    let response = test::call_service(&app, get("/me", None)).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(test::read_body(response).await, r#"{"code":"not-logged-in"}"#);
    let response = test::call_service(&app, get("/me", Some(&alice_cookie))).await;
    assert_eq!(response.status(), StatusCode::OK);
    let body: serde_json::Value = test::read_body_json(response).await;
    assert_eq!(
        body,
        serde_json::json!({"id": alice.id, "login": "alice", "roles": ["administrator"], "scheme": "auth"})
    );
    let forged = format!("{}=alice%7C1%7Cx%7Cy", logged_in_name());
    let response = test::call_service(&app, get("/me", Some(&forged))).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);

    // The middleware (and a role check in the handler).
    let response = test::call_service(&app, get("/admin/report", None)).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(test::read_body(response).await, r#"{"code":"not-logged-in"}"#);
    let response = test::call_service(&app, get("/admin/report", Some(&alice_cookie))).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(test::read_body(response).await, "report for alice");
    let response = test::call_service(&app, get("/admin/report", Some(&bob_cookie))).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);

    // Optional login.
    let response = test::call_service(&app, get("/", None)).await;
    assert_eq!(test::read_body(response).await, "Hello, visitor!");
    let response = test::call_service(&app, get("/", Some(&bob_cookie))).await;
    assert_eq!(test::read_body(response).await, "Hello, bob (display)!");
    cleanup_redis(&settings.redis_prefix).await;
}

#[actix_web::test]
async fn example_routes_fail_closed_when_the_store_is_down() {
    let url = format!("redis://127.0.0.1:{}", closed_port());
    let (db, settings) = test_site(&AppOptions { redis_url: url, ..AppOptions::default() }).await;
    let (auth, _background) = actix_app::auth_service(&settings).await.unwrap();
    let bob = db.user("bob");
    let value =
        auth_cookie("bob", bob.hash.as_bytes(), auth.now() + 600, &"t".repeat(43), "logged_in");
    let cookie = format!("{}={}", logged_in_name(), rawurlencode(value.as_bytes()));
    let app =
        test::init_service(App::new().app_data(web::Data::new(auth)).configure(actix_app::routes))
            .await;
    for path in ["/", "/me", "/admin/report"] {
        let request = test::TestRequest::get()
            .uri(path)
            .insert_header(("Cookie", cookie.clone()))
            .to_request();
        let response = test::call_service(&app, request).await;
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE, "{path}");
        assert_eq!(test::read_body(response).await, r#"{"code":"unavailable"}"#, "{path}");
    }
}

#[actix_web::test]
async fn extractor_without_the_service_is_a_500_with_an_empty_body() {
    init_logs();
    let app = test::init_service(App::new().configure(actix_app::routes)).await;
    for path in ["/me", "/admin/report"] {
        let response =
            test::call_service(&app, test::TestRequest::get().uri(path).to_request()).await;
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR, "{path}");
        assert!(test::read_body(response).await.is_empty(), "{path}");
    }
}
