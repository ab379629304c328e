# The options of doomlab's services/dagger/nixarr.nix (seed 001), with its defaults.
{ config, lib, ... }:
let
  inherit (lib) mkOption mkEnableOption types;
  cfg = config.services.dagger.nixarr;
  service = name: extra: {
    enable = mkEnableOption "Dagger-enhanced ${name} service";
    port = mkOption { type = types.port; default = cfg.network.ports.${name}; };
    enhancedFeatures = mkOption { type = types.bool; default = true; };
  } // extra;
in
{
  imports = [ ./base.nix ];

  options.services.dagger.nixarr = {
    enable = mkEnableOption "Enhanced nixarr services via Dagger";
    mediaDir = mkOption { type = types.str; default = "/fun"; };
    stateDir = mkOption { type = types.str; default = "/var/lib/nixarr"; };
    storage = {
      mediaRoot = mkOption { type = types.str; default = cfg.mediaDir; };
      stateRoot = mkOption { type = types.str; default = cfg.stateDir; };
      persistRoot = mkOption { type = types.str; default = "/nix/persist"; };
    };
    network = {
      domain = mkOption { type = types.str; default = "orther.dev"; };
      ports = mkOption {
        type = types.attrsOf types.port;
        default = { sonarr = 8989; radarr = 7878; prowlarr = 9696; bazarr = 6767; transmission = 9091; jellyfin = 8096; };
      };
    };
    integration = {
      enable = mkEnableOption "the integration module";
      enhanceExistingServices = mkOption { type = types.bool; default = false; };
    };
    sonarr = service "sonarr" { };
    radarr = service "radarr" { };
    prowlarr = service "prowlarr" { };
    bazarr = service "bazarr" { };
    transmission = service "transmission" {
      peerPort = mkOption { type = types.port; default = 46634; };
      username = mkOption { type = types.str; default = "orther"; };
    };
    jellyfin = service "jellyfin" {
      hardwareAcceleration = mkOption { type = types.bool; default = false; };
    };
  };
}
