# What the NixOS and home-manager agent modules share: the options (Flotilla's, and NixFleet's
# names where they mean the same thing, so a NixFleet user's settings carry over), the options
# Flotilla does not support (each fails evaluation saying what to use instead), and the agent's
# argument list. Not a module: imported by flotilla-agent.nix and flotilla-agent-home-manager.nix.
{ lib }:

let
  inherit (lib) concatMap mkOption optional optionals types;

  # NixFleet options with no Flotilla meaning: set, they fail the assertions with this advice.
  unsupported = {
    themeColor = "Flotilla's dashboard has no per-host colour; remove it (group hosts with services.flotilla-agent.tags, location or deviceType).";
    nixpkgsVersion = "the agent reports the nixpkgs revision itself (nixos-version --revision) and the repository's flake.lock; remove it.";
    version = "the agent reports its own version, the one of services.flotilla-agent.package; remove it (choose the agent with package).";
    sshKeyFile = "the agent clones repoUrl with its user's git and ssh: give the key in that user's ~/.ssh/config (an IdentityFile for the repository's host) or use an https URL, then remove sshKeyFile.";
  };
in
rec {
  # `stateDirectory`: where the agent keeps its clone of repoUrl when `repo` names no place.
  options = { stateDirectory }: {
    url = mkOption {
      type = types.str;
      example = "wss://fleet.example.org/ws";
      description = ''
        The control plane's agent endpoint: ws:// or wss://, path /ws. NixFleet's forms work too:
        without a path ("wss://fleet.example.org") the agent adds /ws; http(s):// is taken as ws(s)://.
      '';
    };

    interval = mkOption {
      type = types.ints.between 1 3600;
      default = 5;
      description = "Seconds between heartbeats (1-3600, as NixFleet's).";
    };

    repo = mkOption {
      type = types.nullOr types.str;
      default = null;
      example = "/home/me/Code/nixcfg";
      description = ''
        The flake repository for the pull, switch and test ops; its revision is reported. With
        repoUrl, where the agent keeps its clone (default: ${stateDirectory}).
      '';
    };

    configRepo = mkOption {
      type = types.str;
      default = "";
      description = "NixFleet's name for repo (a checkout you manage); the same as repo.";
    };

    repoUrl = mkOption {
      type = types.str;
      default = "";
      example = "git@github.com:me/nixcfg.git";
      description = "A git URL the agent clones and keeps for itself (NixFleet's repoUrl); pull follows branch.";
    };

    branch = mkOption {
      type = types.str;
      default = "main";
      description = "The branch of repoUrl the agent's clone follows.";
    };

    hostname = mkOption {
      type = types.str;
      default = "";
      example = "imac0";
      description = "The host name the agent reports and switches to (REPO#NAME); empty: the machine's name without its domain.";
    };

    logLevel = mkOption {
      type = types.enum [ "debug" "info" "warn" "error" ];
      default = "info";
      description = "What the agent logs.";
    };

    tags = mkOption {
      type = types.listOf (types.strMatching "[A-Za-z0-9._-]{1,64}");
      default = [ ];
      example = [ "media" "rack-2" ];
      description = "Tags the dashboard shows and filters on for this host, beside the inventory's.";
    };

    storage = mkOption {
      type = types.attrsOf (types.submodule {
        options = {
          warning = mkOption { type = types.ints.between 1 100; default = 80; description = "Percent used (space or inodes) that is a warning."; };
          critical = mkOption { type = types.ints.between 1 100; default = 90; description = "Percent used (space or inodes) that is critical."; };
        };
      });
      default = { };
      example = { "/fun" = { }; "/var/lib" = { warning = 70; critical = 85; }; };
      description = "File systems whose use the agent reports with its thresholds (storage alerts); empty: every real mount at 80 and 90 percent.";
    };

    backupResults = mkOption {
      type = types.nullOr types.str;
      default = null;
      example = "/var/lib/flotilla/backups";
      description = "Where this host's backup timers write their results (flotilla.backupTimers.resultsDirectory), reported with each heartbeat; null: the agent's default, /var/lib/flotilla/backups (the timers' default too).";
    };

    location = mkOption {
      type = types.nullOr (types.enum [ "home" "work" "cloud" ]);
      default = null;
      description = "NixFleet's location: reported as one more tag.";
    };

    deviceType = mkOption {
      type = types.nullOr (types.enum [ "server" "desktop" "laptop" "gaming" ]);
      default = null;
      description = "NixFleet's deviceType: reported as one more tag.";
    };
  } // builtins.mapAttrs (name: advice: mkOption {
    type = types.nullOr types.anything;
    default = null;
    visible = false;
    description = "Not supported: ${advice}";
  }) unsupported;

  assertions = { cfg, prefix }:
    map (name: {
      assertion = cfg.${name} == null;
      message = "${prefix}.${name} is NixFleet's and Flotilla does not support it: ${unsupported.${name}}";
    }) (builtins.attrNames unsupported)
    ++ [
      {
        assertion = !(cfg.repo != null && cfg.configRepo != "");
        message = "${prefix}: repo and configRepo are the same setting; set one of them.";
      }
      {
        assertion = !(cfg.configRepo != "" && cfg.repoUrl != "");
        message = "${prefix}: configRepo is a checkout you manage and repoUrl one the agent keeps; set one of them (repo names where the agent keeps repoUrl's clone).";
      }
    ];

  # The repository directory the agent is given, or null.
  repository = { cfg, stateDirectory }:
    if cfg.repo != null then cfg.repo
    else if cfg.configRepo != "" then cfg.configRepo
    else if cfg.repoUrl != "" then stateDirectory
    else null;

  # `flotilla agent`'s arguments after the token file's.
  arguments = { cfg, stateDirectory }:
    let repo = repository { inherit cfg stateDirectory; }; in
    [ "--url" cfg.url "--interval" (toString cfg.interval) "--log-level" cfg.logLevel ]
    ++ optionals (repo != null) [ "--repo" repo ]
    ++ optionals (cfg.repoUrl != "") [ "--repo-url" cfg.repoUrl "--branch" cfg.branch ]
    ++ optionals (cfg.hostname != "") [ "--hostname" cfg.hostname ]
    ++ concatMap (tag: [ "--tag" tag ]) (cfg.tags ++ optional (cfg.location != null) cfg.location ++ optional (cfg.deviceType != null) cfg.deviceType)
    ++ concatMap (path: [ "--storage" "${path}=${toString cfg.storage.${path}.warning},${toString cfg.storage.${path}.critical}" ]) (builtins.attrNames (cfg.storage or { }))
    ++ optionals ((cfg.backupResults or null) != null) [ "--backup-results" cfg.backupResults ];
}
