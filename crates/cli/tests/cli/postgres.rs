//! `--db postgres://…`: `init` builds the ledger's schema in a PostgreSQL database (a throwaway
//! cluster started by the test); the commands that do not take PostgreSQL yet say so and change
//! nothing.

use crate::*;

#[test]
fn init_builds_the_schema_in_postgresql_and_other_commands_say_they_do_not_yet() {
    let cluster = zhuanban_testkit::pg::PgCluster::start().unwrap();
    let url = cluster.new_database().unwrap();
    for _ in 0..2 {
        let o = run(&["init", "--db", &url]);
        assert!(o.status.success(), "{}", stderr(&o));
        assert!(
            stdout(&o).contains("PostgreSQL 数据库：台账结构已是最新"),
            "{}",
            stdout(&o)
        );
    }
    let tables: i64 = tokio::runtime::Runtime::new().unwrap().block_on(async {
        let pool = sqlx::PgPool::connect(&url).await.unwrap();
        let n = sqlx::query_scalar(
            "SELECT COUNT(*) FROM information_schema.tables
             WHERE table_schema = 'public' AND table_name IN ('plans', 'tasks', 'reports', 'audit')",
        )
        .fetch_one(&pool)
        .await
        .unwrap();
        pool.close().await;
        n
    });
    assert_eq!(tables, 4);
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("backup");
    for args in [
        vec!["status", "--db", &url],
        vec!["import", seed().to_str().unwrap(), "--db", &url],
        vec!["backup", "--out", out.to_str().unwrap(), "--db", &url],
    ] {
        let o = run(&args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stdout(&o));
        assert!(
            stderr(&o).contains("目前只能用于 zhuanban init"),
            "{args:?}: {}",
            stderr(&o)
        );
    }
    assert!(!out.exists(), "a refused backup makes no folder");
    // Nobody listening: the cause is named (not a pool's timeout), and the password is not repeated.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let o = run(&[
        "init",
        "--db",
        &format!("postgres://zhuanban:s3cret-pw@127.0.0.1:{port}/ledger"),
    ]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(
        err.contains("无法连接或升级 PostgreSQL 数据库") && err.contains("refused"),
        "{err}"
    );
    assert!(!err.contains("s3cret-pw"), "{err}");
}
