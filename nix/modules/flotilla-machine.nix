# Declares `flotilla.machine`: the metadata Flotilla reads from each NixOS (or nix-darwin)
# configuration with one `nix eval` over the flake. Import it in every host:
#
#   imports = [ flotilla.nixosModules.machine ];
#   flotilla.machine = {
#     role = "dns"; groups = [ "home" ]; rebootOrder = 1; dependencies = [ ];
#     healthChecks = [ { type = "tcp"; port = 53; } ];
#     target = { address = "hsb0.lan"; user = "root"; };
#   };
#
# Only a few options are typed; the rest is free-form JSON checked by `flotilla validate`, which
# names the exact path of anything wrong (docs/inventory.md lists every key). Seed 002's
# `lab.machine` module can stay as it is: Flotilla merges both, `flotilla.machine` winning.
{ lib, pkgs, ... }:

let
  inherit (lib) mkOption types;
  json = (pkgs.formats.json { }).type;
in
{
  options.flotilla.machine = mkOption {
    default = { };
    description = "Flotilla's metadata for this machine (docs/inventory.md, host fields).";
    type = types.submodule {
      freeformType = json;
      options = {
        role = mkOption {
          type = types.nullOr types.str;
          default = null;
          description = "What the machine is for.";
        };
        groups = mkOption {
          type = types.listOf types.str;
          default = [ ];
          description = "Groups (tags) the machine belongs to; `--on @group` selects them.";
        };
        rebootOrder = mkOption {
          type = types.nullOr types.int;
          default = null;
          description = "Place in the reboot sequence (lower reboots earlier).";
        };
        dependencies = mkOption {
          type = types.listOf types.str;
          default = [ ];
          description = "Machines this one needs; it deploys and reboots after them.";
        };
        target = mkOption {
          default = { };
          description = "How Flotilla reaches the machine over SSH.";
          type = types.submodule {
            options = {
              address = mkOption {
                type = types.nullOr types.str;
                default = null;
                description = "Address or name; defaults to networking.hostName.";
              };
              user = mkOption {
                type = types.str;
                default = "root";
                description = "SSH user.";
              };
              port = mkOption {
                type = types.port;
                default = 22;
                description = "SSH port.";
              };
            };
          };
        };
      };
    };
  };
}
