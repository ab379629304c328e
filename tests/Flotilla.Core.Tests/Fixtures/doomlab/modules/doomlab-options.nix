# Options of the modules doomlab's machines use besides NixOS's core (the firewall, podman,
# nginx, sops-nix, impermanence, systemd's other unit kinds), taken as they come.
{ lib, ... }:
let
  inherit (lib) mkOption types;
  any = mkOption { type = types.anything; default = { }; };
in
{
  options = {
    networking.firewall = any;
    virtualisation.podman = any;
    services.nginx = any;
    sops.secrets = mkOption { type = types.attrsOf types.anything; default = { }; };
    systemd.tmpfiles = any;
    systemd.targets = any;
    systemd.timers = any;
    environment.persistence = any;
  };
}
