# The options of doomlab's services/dagger/base.nix and secrets.nix (seed 000), with their
# defaults; the units they generate are not made here.
{ config, lib, ... }:
let
  inherit (lib) mkOption mkEnableOption types;
in
{
  options.services.dagger = {
    enable = mkEnableOption "Dagger service orchestration";
    workingDirectory = mkOption { type = types.str; default = "/var/lib/dagger"; };
    projectDirectory = mkOption { type = types.str; default = "/home/orther/git/doomlab-corrupted/dagger"; };
    storage = mkOption {
      type = types.attrs;
      default = { persistRoot = "/nix/persist"; mediaRoot = "/fun"; stateRoot = "/var/lib"; };
    };
    services = mkOption { type = types.listOf types.str; default = [ ]; };
    enableSystemdIntegration = mkOption { type = types.bool; default = true; };
    enableBackupIntegration = mkOption { type = types.bool; default = true; };
    enableMonitoring = mkOption { type = types.bool; default = true; };
    secrets = {
      enable = mkEnableOption "Dagger secrets bridge";
      runtime = {
        secretsDir = mkOption { type = types.str; default = "/run/dagger-secrets"; };
        mountMode = mkOption { type = types.str; default = "tmpfs"; };
      };
      rotation = {
        enable = mkOption { type = types.bool; default = true; };
        checkInterval = mkOption { type = types.str; default = "1h"; };
      };
    };
  };
}
