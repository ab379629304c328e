namespace Flotilla.ControlPlane.Store.Internal;

/// <summary>The schema, as numbered steps; the same SQL runs on SQLite and PostgreSQL. Times are Unix milliseconds.</summary>
internal static class Migrations
{
    /// <summary>Stands for an auto-numbered primary key column; each engine spells it its own way.</summary>
    public const string AutoId = "{auto-id}";

    public static IReadOnlyList<(int Version, string[] Statements)> All { get; } =
    [
        (1,
        [
            """
            CREATE TABLE hosts (
                name TEXT PRIMARY KEY,
                token_hash TEXT NULL UNIQUE,
                created_at BIGINT NOT NULL,
                last_seen BIGINT NULL,
                facts TEXT NULL,
                metrics TEXT NULL)
            """,
            """
            CREATE TABLE api_tokens (
                name TEXT PRIMARY KEY,
                token_hash TEXT NOT NULL UNIQUE,
                created_at BIGINT NOT NULL,
                revoked BIGINT NOT NULL DEFAULT 0)
            """,
            """
            CREATE TABLE commands (
                id TEXT PRIMARY KEY,
                batch_id TEXT NOT NULL,
                host TEXT NOT NULL,
                op TEXT NOT NULL,
                argv TEXT NOT NULL,
                state TEXT NOT NULL,
                exit_code INTEGER NULL,
                created_at BIGINT NOT NULL,
                started_at BIGINT NULL,
                finished_at BIGINT NULL,
                expires_at BIGINT NOT NULL,
                timeout_ms BIGINT NOT NULL,
                message TEXT NULL,
                requested_by TEXT NOT NULL)
            """,
            "CREATE INDEX commands_host_state ON commands (host, state)",
            "CREATE INDEX commands_state ON commands (state)",
            "CREATE INDEX commands_batch ON commands (batch_id)",
            """
            CREATE TABLE output (
                command_id TEXT NOT NULL,
                line BIGINT NOT NULL,
                stream TEXT NOT NULL,
                text TEXT NOT NULL,
                at BIGINT NOT NULL,
                PRIMARY KEY (command_id, line))
            """,
        ]),
        (2,
        [
            """
            CREATE TABLE dashboard_sessions (
                id TEXT PRIMARY KEY,
                user_name TEXT NOT NULL,
                created_at BIGINT NOT NULL,
                expires_at BIGINT NOT NULL,
                last_seen BIGINT NOT NULL,
                client_address TEXT NULL)
            """,
            "CREATE INDEX dashboard_sessions_expires ON dashboard_sessions (expires_at)",
            """
            CREATE TABLE audit_log (
                id {auto-id},
                at BIGINT NOT NULL,
                actor TEXT NOT NULL,
                action TEXT NOT NULL,
                target TEXT NULL,
                detail TEXT NULL,
                result TEXT NOT NULL,
                client_address TEXT NULL)
            """,
            """
            CREATE TABLE totp_steps (
                account TEXT PRIMARY KEY,
                step BIGINT NOT NULL)
            """,
        ]),
        (3,
        [
            // API tokens get a scope (read, ops, exec); tokens made before have the default, ops.
            "ALTER TABLE api_tokens ADD COLUMN scope TEXT NOT NULL DEFAULT 'ops'",
        ]),
        (4,
        [
            // Where a line is in the order lines were stored (the event streams' Last-Event-ID);
            // lines stored before this column existed are numbered in the order they arrived.
            "ALTER TABLE output ADD COLUMN seq BIGINT NOT NULL DEFAULT 0",
            """
            UPDATE output SET seq = numbered.n
            FROM (SELECT command_id, line, ROW_NUMBER() OVER (ORDER BY at, command_id, line) AS n FROM output) AS numbered
            WHERE output.command_id = numbered.command_id AND output.line = numbered.line
            """,
            "CREATE INDEX output_seq ON output (seq)",
        ]),
        (5,
        [
            // Run journals (plan.json, run.json, events.jsonl, result.json as one JSON object):
            // the runs the server hosts and those pushed to it, kept beside its state directory's files.
            """
            CREATE TABLE run_journals (
                id TEXT PRIMARY KEY,
                operation TEXT NOT NULL,
                started_at BIGINT NOT NULL,
                finished INTEGER NOT NULL,
                files TEXT NOT NULL,
                saved_at BIGINT NOT NULL
            )
            """,
        ]),
        (6,
        [
            // Runs' leases on hosts (the engine's JSON of one lease), for runs that share the server.
            "CREATE TABLE host_leases (token TEXT PRIMARY KEY, lease TEXT NOT NULL)",
        ]),
        (7,
        [
            // A command given input (held in memory only): after a restart it fails instead of running without it.
            "ALTER TABLE commands ADD COLUMN has_input INTEGER NOT NULL DEFAULT 0",
        ]),
    ];
}
