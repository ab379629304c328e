# The home-manager options the modules under test set or read, declared as home-manager declares
# them, and an activationPackage that fails on failed assertions as home-manager's does.
{ config, lib, pkgs, ... }:
let
  inherit (lib) mkOption types;
  failed = map (a: a.message) (builtins.filter (a: !a.assertion) config.assertions);
in
{
  options = {
    home.username = mkOption { type = types.str; };
    home.homeDirectory = mkOption { type = types.str; };
    home.profileDirectory = mkOption { type = types.str; default = "${config.home.homeDirectory}/.nix-profile"; };
    assertions = mkOption { type = types.listOf types.anything; default = [ ]; };
    warnings = mkOption { type = types.listOf types.str; default = [ ]; };
    launchd.agents = mkOption { type = types.attrsOf types.anything; default = { }; };
    systemd.user.services = mkOption { type = types.attrsOf types.anything; default = { }; };
    home.activationPackage = mkOption { type = types.anything; };
  };

  config.home.activationPackage =
    if failed != [ ] then throw "\nFailed assertions:\n${lib.concatStringsSep "\n" (map (m: "- ${m}") failed)}"
    else derivation {
      name = "home-manager-generation";
      system = pkgs.stdenv.hostPlatform.system;
      builder = "/bin/sh";
      args = [ "-c" ": > $out" ];
    };
}
