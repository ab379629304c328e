# Home-lab's `lab.machine` module (geokkjer/Home-lab, documentation/research/nixos-native-approach.md),
# written again from its definition: the same options, types and defaults. `role` and
# `rebootOrder` have no default, so a machine that leaves them out fails to evaluate them
# ("used but not defined"), and `orchestration.rebootDelay` defaults to 600 seconds.
{ config, lib, ... }:
let
  inherit (lib) mkOption types;
  cfg = config.lab.machine;
in
{
  options.lab.machine = {
    role = mkOption {
      type = types.str;
      description = "Machine role in the lab";
    };
    groups = mkOption {
      type = types.listOf types.str;
      default = [ ];
    };
    rebootOrder = mkOption {
      type = types.int;
      description = "Order in reboot sequence (lower = earlier)";
    };
    dependencies = mkOption {
      type = types.listOf types.str;
      default = [ ];
    };
    healthChecks = mkOption {
      type = types.listOf (types.submodule {
        options = {
          type = mkOption { type = types.enum [ "http" "tcp" "command" ]; };
          url = mkOption { type = types.nullOr types.str; default = null; };
          port = mkOption { type = types.nullOr types.int; default = null; };
          command = mkOption { type = types.nullOr types.str; default = null; };
        };
      });
      default = [ ];
    };
    orchestration = mkOption {
      type = types.submodule {
        options = {
          deployStrategy = mkOption { type = types.enum [ "rolling" "blue-green" "recreate" ]; default = "rolling"; };
          rebootDelay = mkOption {
            type = types.int;
            default = 600;
            description = "Delay in seconds before this machine reboots";
          };
          criticalityLevel = mkOption { type = types.enum [ "low" "medium" "high" "critical" ]; default = "medium"; };
        };
      };
      default = { };
    };
  };

  config.environment.etc."lab-machine-metadata.json".text = builtins.toJSON {
    inherit (cfg) role groups rebootOrder dependencies healthChecks orchestration;
    hostname = config.networking.hostName;
  };
}
