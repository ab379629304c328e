# The NixOS options the modules under test set or read, declared as NixOS declares them, and a
# system.build.toplevel that fails on failed assertions as NixOS's does (its derivation is never
# built by these tests).
{ config, lib, pkgs, ... }:
let
  inherit (lib) mkOption types;
  failed = map (a: a.message) (builtins.filter (a: !a.assertion) config.assertions);
in
{
  options = {
    networking.hostName = mkOption { type = types.str; default = "nixos"; };
    assertions = mkOption { type = types.listOf types.anything; default = [ ]; };
    warnings = mkOption { type = types.listOf types.str; default = [ ]; };
    systemd.services = mkOption { type = types.attrsOf types.anything; default = { }; };
    systemd.timers = mkOption { type = types.attrsOf types.anything; default = { }; };
    systemd.user.services = mkOption { type = types.attrsOf types.anything; default = { }; };
    systemd.tmpfiles.rules = mkOption { type = types.listOf types.str; default = [ ]; };
    users.users = mkOption { type = types.attrsOf types.anything; default = { }; };
    users.groups = mkOption { type = types.attrsOf types.anything; default = { }; };
    services.postgresql.enable = mkOption { type = types.bool; default = false; };
    services.postgresql.ensureDatabases = mkOption { type = types.listOf types.str; default = [ ]; };
    services.postgresql.ensureUsers = mkOption { type = types.listOf types.anything; default = [ ]; };
    networking.firewall.allowedTCPPorts = mkOption { type = types.listOf types.port; default = [ ]; };
    environment.etc = mkOption { type = types.attrsOf types.anything; default = { }; };
    security.sudo.extraRules = mkOption { type = types.listOf types.anything; default = [ ]; };
    nix.package = mkOption { type = types.package; default = pkgs.nix; };
    system.build = mkOption { type = types.attrsOf types.anything; default = { }; };
  };

  config.system.build = {
    nixos-rebuild = pkgs.bash;
    toplevel =
      if failed != [ ] then throw "\nFailed assertions:\n${lib.concatStringsSep "\n" (map (m: "- ${m}") failed)}"
      else derivation {
        name = "nixos-system-${config.networking.hostName}";
        system = pkgs.stdenv.hostPlatform.system;
        builder = "/bin/sh";
        args = [ "-c" ": > $out" ];
      };
  };
}
