//! Two servers on one database: settings one of them changes reach the other.

use std::time::Duration;

use zhuanban_store::Actor;
use zhuanban_web::security::{Profile, SecuritySettings};
use zhuanban_web::{AppState, Config};

#[tokio::test]
async fn security_settings_changed_on_one_server_reach_the_other() {
    let dir = tempfile::tempdir().unwrap();
    let db = crate::TestDb::new(dir.path(), "two");
    let config = || {
        let mut c = Config::new(dir.path().join("files"));
        c.settings_refresh = Duration::ZERO;
        c
    };
    let a = AppState::new(db.open().await, config()).await.unwrap();
    let b = AppState::new(db.open().await, config()).await.unwrap();
    assert_eq!(b.security().profile, Profile::Dengbao);
    let changed = SecuritySettings {
        profile: Profile::Asvs,
        lockout_threshold: 7,
        ..SecuritySettings::default()
    };
    a.set_security(changed.clone(), &Actor::new("安全管理员", "test"))
        .await
        .unwrap();
    // B still holds what it read; it reads again before its next request.
    assert_eq!(b.security().profile, Profile::Dengbao);
    b.refresh_settings().await.unwrap();
    assert_eq!(b.security(), changed);
}
