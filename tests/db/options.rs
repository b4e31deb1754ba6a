//! Site options: siteurl, home, locale and the salt fallbacks.

use secrecy::ExposeSecret;
use wpgate::db::{Db, DbConfig};
use wpgate_core::salts::{SaltScheme, SaltSources, Salts};

use crate::helpers::connect;
use crate::support::wp_db::{SALT_OPTIONS, SITE_URL, WpDb, WpDbOptions};

#[tokio::test]
async fn single_site_options_are_read_from_the_options_table() {
    let fixture = WpDb::create().await;
    let options = connect(&fixture).await.site_options().await.unwrap();
    assert_eq!(options.siteurl.as_deref(), Some(SITE_URL));
    assert_eq!(options.home.as_deref(), Some(SITE_URL));
    assert_eq!(options.locale.as_deref(), Some(""));
    assert_eq!(options.effective_locale(), "en_US");
    assert_eq!(options.network_siteurl, None);
    for (name, value) in SALT_OPTIONS {
        let stored = options.salts.value(name).map(|v| v.expose_secret().to_owned());
        assert_eq!(stored.as_deref(), Some(*value), "{name}");
    }
    // Debug output names the salt options, never their values.
    let shown = format!("{options:?}");
    assert!(!shown.contains(SALT_OPTIONS[0].1), "{shown}");
}

#[tokio::test]
async fn the_options_feed_wp_salt() {
    let fixture = WpDb::create().await;
    let options = connect(&fixture).await.site_options().await.unwrap();
    // No constants at all: every salt comes from the options.
    let sources = SaltSources { options: options.salts, ..SaltSources::default() };
    let salts = Salts::resolve(&sources).unwrap();
    let auth = format!("{}{}", SALT_OPTIONS[0].1, SALT_OPTIONS[1].1);
    assert_eq!(salts.salt(SaltScheme::Auth).expose(), auth);
}

#[tokio::test]
async fn missing_options_are_absent_not_errors() {
    let fixture = WpDb::create().await;
    fixture.execute("DELETE FROM {prefix}options WHERE option_name IN ('home', 'auth_key')").await;
    let options = connect(&fixture).await.site_options().await.unwrap();
    assert_eq!(options.home, None);
    assert!(options.salts.value("auth_key").is_none());
    assert!(options.salts.value("auth_salt").is_some());
}

#[tokio::test]
async fn a_serialized_option_string_is_unwrapped_like_get_option() {
    let fixture = WpDb::create().await;
    fixture
        .execute(
            "UPDATE {prefix}options SET option_value = 's:13:\"http://a.test\";' \
             WHERE option_name = 'home'",
        )
        .await;
    let options = connect(&fixture).await.site_options().await.unwrap();
    assert_eq!(options.home.as_deref(), Some("http://a.test"));
}

#[tokio::test]
async fn multisite_salts_and_network_siteurl_come_from_sitemeta() {
    let fixture = WpDb::create_with(WpDbOptions { multisite: true, ..Default::default() }).await;
    let config = DbConfig { network_id: Some(1), ..fixture.db_config() };
    let options = Db::connect(&config).await.unwrap().site_options().await.unwrap();
    assert_eq!(options.siteurl.as_deref(), Some(SITE_URL));
    assert_eq!(options.network_siteurl.as_deref(), Some(format!("{SITE_URL}/").as_str()));
    for (name, value) in SALT_OPTIONS {
        let stored = options.salts.value(name).map(|v| v.expose_secret().to_owned());
        assert_eq!(stored.as_deref(), Some(*value), "{name}");
    }
    // Another network has none of them.
    let config = DbConfig { network_id: Some(2), ..fixture.db_config() };
    let options = Db::connect(&config).await.unwrap().site_options().await.unwrap();
    assert!(options.salts.value("auth_key").is_none());
    assert_eq!(options.network_siteurl, None);
}
