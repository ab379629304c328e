using System.CommandLine;
using Flotilla.ControlPlane;
using Flotilla.ControlPlane.Dashboard;
using Flotilla.Contracts;
using Flotilla.Security;

namespace Flotilla.Cli.Commands;

/// <summary><c>flotilla serve</c>: the control plane (agents on /ws, the JSON API, /healthz, /metrics).</summary>
internal static class ServeCommand
{
    public const string EnrolmentVariable = "FLOTILLA_ENROLMENT_TOKEN";
    public const string NixFleetVariable = "NIXFLEET_AGENT_TOKEN";

    /// <summary>How often the inventory may be looked at: once a second to once a day.</summary>
    private static readonly NumberRange TargetRefreshSeconds = new("--target-refresh", 1, 86_400);

    public static Command Create(CliContext context)
    {
        var store = new StoreOptions();
        var urls = new Option<string>("--urls") { Description = "Where to listen (semicolon separated)", DefaultValueFactory = _ => "http://127.0.0.1:8000", HelpName = "URLS" };
        var enrolment = new Option<string?>("--enrolment-token-file")
        {
            Description = $"Accept agents presenting this shared token too, enrolled under the hostname they report (opt-in; also {EnrolmentVariable} or NixFleet's {NixFleetVariable})",
            HelpName = "PATH",
        };
        var allowCommands = new Option<bool>("--allow-commands") { Description = "Allow arbitrary commands (op exec), not only pull, switch, test, rollback, reboot and restart-agent" };
        var queueExpiry = new Option<double>("--queue-expiry") { Description = "Seconds a command waits for an offline host before it expires", DefaultValueFactory = _ => 3600, HelpName = "SECONDS" };
        var credentialsFile = new Option<string?>("--credentials-file")
        {
            Description = "The dashboard's login: an env file with FLOTILLA_PASSWORD_HASH, FLOTILLA_TOTP_SECRET, FLOTILLA_SESSION_SECRET (or NixFleet's NIXFLEET_* names); the environment wins over it",
            HelpName = "PATH",
        };
        // One file per secret (agenix, sops-nix, systemd credentials), as FLOTILLA_*_FILE gives them.
        var passwordHashFile = SecretFile("--password-hash-file", "The dashboard's login: a file holding the password hash (flotilla passwd), as FLOTILLA_PASSWORD_HASH_FILE");
        var totpSecretFile = SecretFile("--totp-secret-file", "A file holding the TOTP secret (base32), as FLOTILLA_TOTP_SECRET_FILE");
        var sessionSecretFile = SecretFile("--session-secret-file", "A file holding the secret sessions are signed with (openssl rand -hex 32), as FLOTILLA_SESSION_SECRET_FILE");
        var noDashboard = new Option<bool>("--no-dashboard") { Description = "Serve agents and the API only, without the web dashboard" };
        var trustedProxies = new Option<string[]>("--trusted-proxy")
        {
            Description = "A reverse proxy (address or CIDR network, e.g. 172.16.0.0/12) whose X-Forwarded-For and X-Forwarded-Proto are believed (client address for rate limits and the audit log, https for Secure cookies); repeat for more; loopback always is",
            HelpName = "ADDRESS|NETWORK",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var state = RunsCommand.StateDirectory();
        state.Description = "Where the run journals the dashboard's runs page shows are (deploy/reboot --state-dir)";
        var inventory = CommonOptions.File();
        inventory.Description = "The fleet's inventory (as deploy -f takes it): the dashboard shows hosts' tags from it and compares each host's system, revision and flake.lock with what it builds now, and the dashboard can start deploy, rollback and reboot runs of it (opt-in)";
        var refresh = new Option<double>("--target-refresh")
        {
            Description = "Seconds between looks at the inventory for changes and at the run journals for new verifications",
            DefaultValueFactory = _ => 30,
            HelpName = "SECONDS",
        };
        // How the runs started from the dashboard deploy (as deploy's options of the same names).
        var substituters = CommonOptions.Substituters("the runs started from the dashboard");
        var confirm = CommonOptions.ConfirmTimeout("How long a host of a run started from the dashboard waits for confirmation before it rolls back by itself");
        var cacheKey = new Option<string?>("--cache-key-file") { Description = "The secret key that signs closures the dashboard's runs push to hosts' caches (hosts reached through agents); or FLOTILLA_CACHE_KEY", HelpName = "PATH" };
        var command = new Command("serve", "Run the control plane: agents connect to /ws; the API under /api; the dashboard at / (with -f, it starts deploy, rollback and reboot runs)")
        {
            urls, enrolment, allowCommands, queueExpiry, credentialsFile, passwordHashFile, totpSecretFile, sessionSecretFile, noDashboard, trustedProxies, state, inventory, refresh, substituters, confirm, cacheKey,
        };
        store.AddTo(command);
        var bounds = new ServeBoundsOptions();
        bounds.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var outOfRange = Limits.QueueExpirySeconds.Check(parse.GetValue(queueExpiry), "--queue-expiry") ?? TargetRefreshSeconds.Check(parse.GetValue(refresh), "--target-refresh");
            if (outOfRange is not null)
            {
                await context.Error.WriteLineAsync($"flotilla serve: {outOfRange}").ConfigureAwait(false);
                return ExitCodes.InvalidInput;
            }

            var proxies = parse.GetValue(trustedProxies) ?? [];
            foreach (var proxy in proxies)
            {
                if (!IsAddressOrNetwork(proxy))
                {
                    await context.Error.WriteLineAsync($"flotilla serve: --trusted-proxy {proxy}: not an address or a network; give one such as 10.0.0.5, fd00::5 or 172.16.0.0/12").ConfigureAwait(false);
                    return ExitCodes.InvalidInput;
                }
            }

            if (await store.ReadAsync(context, parse, cancellationToken).ConfigureAwait(false) is not { } choice)
            {
                return ExitCodes.InvalidInput;
            }

            var (directory, database) = choice;
            string? shared = null;
            if (parse.GetValue(enrolment) is { } path)
            {
                try
                {
                    shared = (await File.ReadAllTextAsync(Path.GetFullPath(path, context.WorkingDirectory), cancellationToken).ConfigureAwait(false)).Trim();
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    await context.Error.WriteLineAsync($"flotilla serve: cannot read the enrolment token file {path}: {e.Message}").ConfigureAwait(false);
                    return ExitCodes.InvalidInput;
                }
            }

            shared ??= Environment.GetEnvironmentVariable(EnrolmentVariable) is { Length: > 0 } fromEnv ? fromEnv : null;
            shared ??= Environment.GetEnvironmentVariable(NixFleetVariable) is { Length: > 0 } nixfleet ? nixfleet : null;
            string? inventoryPath = null;
            if (parse.GetValue(inventory) is { } given)
            {
                inventoryPath = Path.GetFullPath(given, context.WorkingDirectory);
                if (!File.Exists(inventoryPath) && !Directory.Exists(inventoryPath))
                {
                    await context.Error.WriteLineAsync($"flotilla serve: --file {given}: no such file or directory ({inventoryPath}); name the inventory deploy uses, or leave --file out").ConfigureAwait(false);
                    return ExitCodes.InvalidInput;
                }
            }

            DashboardSettings? dashboard = null;
            if (!parse.GetValue(noDashboard))
            {
                CredentialSettings credentials;
                var files = new Dictionary<string, string>(StringComparer.Ordinal);
                var givenAs = new Dictionary<string, string>(StringComparer.Ordinal);
                try
                {
                    var file = parse.GetValue(credentialsFile) is { } f ? Path.GetFullPath(f, context.WorkingDirectory) : null;
                    foreach (var (option, variable) in new[] { (passwordHashFile, "FLOTILLA_PASSWORD_HASH_FILE"), (totpSecretFile, "FLOTILLA_TOTP_SECRET_FILE"), (sessionSecretFile, "FLOTILLA_SESSION_SECRET_FILE") })
                    {
                        if (parse.GetValue(option) is { } secretFile)
                        {
                            files[variable] = Path.GetFullPath(secretFile, context.WorkingDirectory);
                            givenAs[variable] = option.Name;
                        }
                    }

                    credentials = await CredentialLoader.LoadAsync(name => files.TryGetValue(name, out var fromOption) ? fromOption : Environment.GetEnvironmentVariable(name), file, cancellationToken).ConfigureAwait(false);
                }
                catch (CredentialException e)
                {
                    // The loader names the variable; the user gave the option standing in for it.
                    var message = givenAs.Aggregate(e.Message, (text, given) => text.Replace(given.Key, given.Value, StringComparison.Ordinal));
                    await context.Error.WriteLineAsync($"flotilla serve: {message}").ConfigureAwait(false);
                    return ExitCodes.InvalidInput;
                }

                foreach (var note in credentials.Notes)
                {
                    await context.Output.WriteLineAsync($"flotilla serve: {note}").ConfigureAwait(false);
                }

                var allow = parse.GetValue(allowCommands);
                var stateDirectory = Path.GetFullPath(parse.GetValue(state)!, context.WorkingDirectory);
                // With SQLite, antiforgery keys live beside the database, so forms outlive a restart.
                var keys = database is null ? Path.Combine(Path.GetFullPath(directory ?? Flotilla.ControlPlane.Store.ControlPlaneStores.DefaultDataDirectory(), context.WorkingDirectory), "keys") : null;
                dashboard = new DashboardSettings(credentials, dashboardOptions =>
                {
                    dashboardOptions.AllowArbitraryCommands = allow;
                    dashboardOptions.StateDirectory = stateDirectory;
                    dashboardOptions.KeysDirectory = keys;
                    foreach (var proxy in proxies)
                    {
                        dashboardOptions.TrustedProxies.Add(proxy);
                    }
                });
            }

            var options = new ControlPlaneOptions
            {
                Dashboard = dashboard,
                Urls = parse.GetValue(urls)!,
                DataDirectory = directory is null ? null : Path.GetFullPath(directory, context.WorkingDirectory),
                Database = database,
                EnrolmentToken = shared,
                AllowArbitraryCommands = parse.GetValue(allowCommands),
                QueueExpiry = TimeSpan.FromSeconds(parse.GetValue(queueExpiry)),
                Inventory = inventoryPath,
                StateDirectory = Path.GetFullPath(parse.GetValue(state)!, context.WorkingDirectory),
                TargetRefresh = TimeSpan.FromSeconds(parse.GetValue(refresh)),
                Runs = new HostedRunSettings
                {
                    Substituters = parse.GetValue(substituters),
                    ConfirmTimeout = confirm.Read(parse),
                    CacheKeyFile = (parse.GetValue(cacheKey) ?? Environment.GetEnvironmentVariable("FLOTILLA_CACHE_KEY")) is { } key ? Path.GetFullPath(key, context.WorkingDirectory) : null,
                },
            };
            if (bounds.Apply(parse, options) is { } wrong)
            {
                await context.Error.WriteLineAsync($"flotilla serve: {wrong}").ConfigureAwait(false);
                return ExitCodes.InvalidInput;
            }

            ControlPlaneServer server;
            try
            {
                server = await ControlPlaneServer.StartAsync(options, cancellationToken: cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is System.Data.Common.DbException or IOException or InvalidOperationException or ArgumentException or UriFormatException)
            {
                await context.Error.WriteLineAsync($"flotilla serve: cannot start: {e.Message}").ConfigureAwait(false);
                return ExitCodes.Failed;
            }

            await using (server.ConfigureAwait(false))
            {
                await context.Output.WriteLineAsync($"flotilla serve: listening on {string.Join(' ', server.Urls)} (agents: /ws; API: /api; {(dashboard is null ? "no dashboard" : "dashboard: /")}; {(shared is null ? "per-host tokens only" : "shared enrolment token accepted")})").ConfigureAwait(false);
                var (maxAgents, source) = server.AgentLimit;
                await context.Output.WriteLineAsync($"flotilla serve: bounds: at most {maxAgents} agents ({source}); {ServeBoundsOptions.Format(options.MaxCommandOutputBytes)} of output kept per command; {(options.AgentBytesPerSecond > 0 ? ServeBoundsOptions.Format(options.AgentBytesPerSecond) + "/s" : "no rate limit")} per agent").ConfigureAwait(false);
                if (proxies.Length > 0)
                {
                    await context.Output.WriteLineAsync(dashboard is null
                        ? "flotilla serve: --trusted-proxy has no effect with --no-dashboard (forwarded headers are read by the dashboard's middleware)"
                        : $"flotilla serve: X-Forwarded-For and X-Forwarded-Proto are believed from loopback and {string.Join(", ", proxies)}").ConfigureAwait(false);
                }

                // The journals of this state directory go into the database (and back): say which one it is.
                await context.Output.WriteLineAsync($"flotilla serve: run journals in {options.StateDirectory}{(parse.GetResult(state) is { Implicit: false } ? "" : " (the default --state-dir)")}, kept in the database too (the two are brought level in the background)").ConfigureAwait(false);
                if (inventoryPath is not null && dashboard is not null)
                {
                    await context.Output.WriteLineAsync($"flotilla serve: the dashboard compares hosts with {inventoryPath} (looked at every {options.TargetRefresh.TotalSeconds:0.#} s)").ConfigureAwait(false);
                }

                await context.Output.FlushAsync(cancellationToken).ConfigureAwait(false);
                await server.WaitAsync(cancellationToken).ConfigureAwait(false);
            }

            // Said once everything stopped (runs ended, queued writes stored), on stdout at once:
            // the framework's own "shutting down" line goes through the logger's queue, which a
            // busy machine may not write out before the process ends.
            await context.Output.WriteLineAsync("flotilla serve: stopped").ConfigureAwait(false);
            await context.Output.FlushAsync(CancellationToken.None).ConfigureAwait(false);
            return ExitCodes.Success;
        });
        return command;
    }

    private static Option<string?> SecretFile(string name, string description) => new(name) { Description = description, HelpName = "PATH" };

    private static bool IsAddressOrNetwork(string value) =>
        value.Contains('/', StringComparison.Ordinal) ? System.Net.IPNetwork.TryParse(value, out _) : System.Net.IPAddress.TryParse(value, out _);
}
