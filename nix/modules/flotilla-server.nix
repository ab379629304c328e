# NixOS module: `services.flotilla-server`, the control plane (`flotilla serve`: agents on /ws,
# the API, the dashboard) as a hardened systemd service, started at boot and again after a crash.
#
#   imports = [ flotilla.nixosModules.server ];
#   services.flotilla-server = {
#     enable = true;
#     port = 8000;                                   # behind a reverse proxy on this host
#     passwordHashFile = "/run/agenix/flotilla-password-hash";
#     totpSecretFile = "/run/agenix/flotilla-totp-secret";
#     sessionSecretFile = "/run/agenix/flotilla-session-secret";
#     enrolmentTokenFile = "/run/agenix/flotilla-enrolment-token";   # optional
#     trustedProxies = [ "127.0.0.1" ];
#   };
#
# Secrets are only ever file paths on the host (agenix, sops-nix, or files you write): systemd
# reads them with LoadCredential and hands them to the service in its credentials directory, so
# they are neither in the Nix store nor on the command line. A secret given as a value fails the
# evaluation saying which file option to use instead.
{ config, lib, pkgs, ... }:

let
  inherit (lib) concatMap escapeShellArgs hasPrefix mkEnableOption mkIf mkOption optional optionals types;
  cfg = config.services.flotilla-server;
  stateRoot = "/var/lib/";

  # Each secret: its file option, the name of the credential systemd hands over, the serve option
  # that reads it, and the option a value would wrongly be given in.
  secrets = [
    { option = "passwordHashFile"; credential = "password-hash"; flag = "--password-hash-file"; value = "passwordHash"; what = "the dashboard login's password hash (flotilla passwd)"; }
    { option = "totpSecretFile"; credential = "totp-secret"; flag = "--totp-secret-file"; value = "totpSecret"; what = "the TOTP secret (base32)"; }
    { option = "sessionSecretFile"; credential = "session-secret"; flag = "--session-secret-file"; value = "sessionSecret"; what = "the secret sessions are signed with (openssl rand -hex 32)"; }
    { option = "credentialsFile"; credential = "credentials"; flag = "--credentials-file"; value = "credentials"; what = "an env file with FLOTILLA_PASSWORD_HASH, FLOTILLA_TOTP_SECRET and FLOTILLA_SESSION_SECRET (NixFleet's nixfleet.env works)"; }
    { option = "enrolmentTokenFile"; credential = "enrolment-token"; flag = "--enrolment-token-file"; value = "enrolmentToken"; what = "a shared token agents may enrol with"; }
    { option = "databaseUrlFile"; credential = "database-url"; flag = "--database-file"; value = "databaseUrl"; what = "the PostgreSQL URL (postgres://USER:PASSWORD@HOST[:PORT]/DB), instead of SQLite in dataDir"; }
  ];
  given = builtins.filter (s: cfg.${s.option} != null) secrets;

  host = if lib.hasInfix ":" cfg.address then "[${cfg.address}]" else cfg.address;
  stateDirectory = if hasPrefix stateRoot cfg.dataDir then lib.removePrefix stateRoot cfg.dataDir else null;
  runsDirectory = if cfg.runsDir != null then cfg.runsDir
    else if config.services.flotilla-upgrade.enable or false then "/var/lib/flotilla"
    else cfg.dataDir;
  privilegedPort = cfg.port < 1024;
  # PostgreSQL on this host, reached over its unix socket with peer authentication: the URL holds
  # no password, so it may be an argument.
  localDatabase = "postgres://${cfg.user}@localhost/${cfg.user}?host=/run/postgresql";

  arguments = [ "${cfg.package}/bin/flotilla" "serve" "--urls" "http://${host}:${toString cfg.port}" "--data-dir" cfg.dataDir "--state-dir" runsDirectory ]
    ++ optionals cfg.database.createLocally [ "--database" localDatabase ]
    ++ concatMap (s: [ s.flag "%d/${s.credential}" ]) given
    ++ concatMap (proxy: [ "--trusted-proxy" proxy ]) cfg.trustedProxies
    ++ optional cfg.allowCommands "--allow-commands"
    ++ optional (!cfg.dashboard) "--no-dashboard"
    ++ optionals (cfg.inventory != null) [ "--file" cfg.inventory ]
    ++ cfg.extraArgs;
in
{
  options.services.flotilla-server = {
    enable = mkEnableOption "the Flotilla control plane (flotilla serve)";

    package = mkOption {
      type = types.package;
      description = "The package providing bin/flotilla (the flake's nixosModules.server sets its own).";
    };

    address = mkOption {
      type = types.str;
      default = "127.0.0.1";
      example = "0.0.0.0";
      description = "The address to listen on: loopback behind a reverse proxy on this host; 0.0.0.0 or :: to take agents and browsers directly.";
    };

    port = mkOption {
      type = types.port;
      default = 8000;
      description = "The port to listen on (8000, as NixFleet's dashboard).";
    };

    openFirewall = mkOption {
      type = types.bool;
      default = false;
      description = "Open port in the firewall (for an address other than loopback).";
    };

    dataDir = mkOption {
      type = types.str;
      default = "/var/lib/flotilla-server";
      description = "The server's data (its SQLite database and the dashboard's form keys), mode 0700, owned by user.";
    };

    user = mkOption {
      type = types.str;
      default = "flotilla";
      description = "The system user the server runs as (created when it is the default).";
    };

    group = mkOption {
      type = types.str;
      default = "flotilla";
      description = "The server user's group (created when it is the default).";
    };

    trustedProxies = mkOption {
      type = types.listOf types.str;
      default = [ ];
      example = [ "127.0.0.1" "172.16.0.0/12" ];
      description = "Reverse proxies (addresses or CIDR networks) whose X-Forwarded-For and X-Forwarded-Proto are believed; loopback always is.";
    };

    allowCommands = mkOption {
      type = types.bool;
      default = false;
      description = "Allow arbitrary commands on hosts (op exec), not only pull, switch, test, rollback, reboot and restart-agent.";
    };

    dashboard = mkOption {
      type = types.bool;
      default = true;
      description = "Serve the web dashboard; false serves agents and the API only.";
    };

    inventory = mkOption {
      type = types.nullOr types.str;
      default = null;
      example = "/srv/fleet";
      description = "The fleet's inventory or flake (serve --file): the dashboard compares hosts with what it builds now.";
    };

    database.createLocally = mkOption {
      type = types.bool;
      default = false;
      description = "Keep the server's data in PostgreSQL on this host instead of SQLite in dataDir: services.postgresql with a database and a role both named as user (nixpkgs' ensureDBOwnership wants the two names alike), reached over the unix socket with peer authentication, so no password exists. For a PostgreSQL elsewhere, set databaseUrlFile.";
    };

    runsDir = mkOption {
      type = types.nullOr types.str;
      default = null;
      description = "Where the run journals the dashboard's runs page shows are (serve --state-dir); default: /var/lib/flotilla when services.flotilla-upgrade is enabled here, else dataDir.";
    };

    extraArgs = mkOption {
      type = types.listOf types.str;
      default = [ ];
      example = [ "--max-agents" "2000" ];
      description = "More arguments for flotilla serve (no secrets: they would be on the command line and in the Nix store).";
    };
  }
  // builtins.listToAttrs (map (s: {
    name = s.option;
    value = mkOption {
      # A string, not a path: a path literal would copy the secret into the Nix store.
      type = types.nullOr types.str;
      default = null;
      example = "/run/agenix/flotilla-${s.credential}";
      description = "A file on the host holding ${s.what}; read by systemd (LoadCredential), never copied to the Nix store.";
    };
  }) secrets)
  // builtins.listToAttrs (map (s: {
    name = s.value;
    value = mkOption {
      type = types.nullOr types.anything;
      default = null;
      visible = false;
      description = "Not supported: a value here would be in the Nix store; use ${s.option}.";
    };
  }) secrets);

  config = mkIf cfg.enable {
    assertions =
      map (s: {
        assertion = cfg.${s.value} == null;
        message = "services.flotilla-server.${s.value}: a secret given as a value ends up in the Nix store, readable by every user of the machine; write it to a file on the host (agenix, sops-nix, or by hand, mode 0400) and set services.flotilla-server.${s.option} to its path.";
      }) secrets
      ++ concatMap (s: let path = cfg.${s.option}; in optionals (path != null) [
        {
          # The value is not repeated in the message: it may be the secret itself.
          assertion = hasPrefix "/" path;
          message = "services.flotilla-server.${s.option} is not an absolute path: give the path of a file on the host that holds ${s.what}, not its content.";
        }
        {
          assertion = !(hasPrefix builtins.storeDir path);
          message = "services.flotilla-server.${s.option} is in the Nix store, readable by every user of the machine: keep the file outside it (agenix, sops-nix, or a file you write) and give that path.";
        }
      ]) secrets
      ++ [
        {
          assertion = !(cfg.credentialsFile != null && (cfg.passwordHashFile != null || cfg.totpSecretFile != null || cfg.sessionSecretFile != null));
          message = "services.flotilla-server: credentialsFile holds the password hash, TOTP secret and session secret; set it or passwordHashFile, totpSecretFile and sessionSecretFile, not both.";
        }
        {
          assertion = !(cfg.database.createLocally && cfg.databaseUrlFile != null);
          message = "services.flotilla-server: database.createLocally and databaseUrlFile both name the database; set one of them.";
        }
        {
          assertion = hasPrefix "/" cfg.dataDir && !(hasPrefix builtins.storeDir cfg.dataDir);
          message = "services.flotilla-server.dataDir must be an absolute path outside the Nix store.";
        }
      ];

    users.users = mkIf (cfg.user == "flotilla") {
      flotilla = {
        isSystemUser = true;
        group = cfg.group;
        home = cfg.dataDir;
        description = "Flotilla control plane";
      };
    };
    users.groups = mkIf (cfg.group == "flotilla") { flotilla = { }; };

    # A data directory outside /var/lib is made here; under it, systemd's StateDirectory makes it.
    systemd.tmpfiles.rules = optional (stateDirectory == null) "d ${cfg.dataDir} 0700 ${cfg.user} ${cfg.group} - -";

    services.postgresql = mkIf cfg.database.createLocally {
      enable = true;
      ensureDatabases = [ cfg.user ];
      ensureUsers = [{ name = cfg.user; ensureDBOwnership = true; }];
    };

    networking.firewall.allowedTCPPorts = optional cfg.openFirewall cfg.port;

    systemd.services.flotilla-server = {
      description = "Flotilla control plane";
      wantedBy = [ "multi-user.target" ];
      wants = [ "network-online.target" ];
      requires = optional cfg.database.createLocally "postgresql.service";
      after = [ "network-online.target" ] ++ optional (config.services.postgresql.enable or false) "postgresql.service";
      serviceConfig = {
        ExecStart = escapeShellArgs arguments;
        LoadCredential = map (s: "${s.credential}:${cfg.${s.option}}") given;
        User = cfg.user;
        Group = cfg.group;
        UMask = "0077";
        Restart = "on-failure";
        RestartSec = 5;

        # Hardening. Not MemoryDenyWriteExecute: .NET's JIT writes the code it runs.
        NoNewPrivileges = true;
        # No capabilities at all, but the one a port below 1024 needs.
        CapabilityBoundingSet = if privilegedPort then "CAP_NET_BIND_SERVICE" else "";
        AmbientCapabilities = if privilegedPort then "CAP_NET_BIND_SERVICE" else "";
        ProtectSystem = "strict";
        ProtectHome = true;
        PrivateTmp = true;
        PrivateDevices = true;
        DevicePolicy = "closed";
        ProtectKernelTunables = true;
        ProtectKernelModules = true;
        ProtectKernelLogs = true;
        ProtectControlGroups = true;
        ProtectClock = true;
        ProtectHostname = true;
        ProtectProc = "invisible";
        RestrictAddressFamilies = [ "AF_UNIX" "AF_INET" "AF_INET6" ];
        RestrictNamespaces = true;
        RestrictRealtime = true;
        RestrictSUIDSGID = true;
        LockPersonality = true;
        RemoveIPC = true;
        SystemCallArchitectures = "native";
        SystemCallFilter = [ "@system-service" "~@privileged" ];
      }
      // (if stateDirectory != null
        then { StateDirectory = stateDirectory; StateDirectoryMode = "0700"; }
        else { ReadWritePaths = [ cfg.dataDir ]; });
    };
  };
}
