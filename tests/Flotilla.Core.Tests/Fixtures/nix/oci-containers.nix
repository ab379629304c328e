# NixOS's virtualisation.oci-containers options (nixos/modules/virtualisation/oci-containers.nix),
# declared with NixOS's names, types and defaults; the units it generates are not made here.
{ lib, ... }:
let
  inherit (lib) mkOption types;
  container = {
    image = mkOption { type = types.str; };
    imageFile = mkOption { type = types.nullOr types.package; default = null; };
    imageStream = mkOption { type = types.nullOr types.package; default = null; };
    login = {
      username = mkOption { type = types.nullOr types.str; default = null; };
      passwordFile = mkOption { type = types.nullOr types.str; default = null; };
      registry = mkOption { type = types.nullOr types.str; default = null; };
    };
    cmd = mkOption { type = types.listOf types.str; default = [ ]; };
    labels = mkOption { type = types.attrsOf types.str; default = { }; };
    entrypoint = mkOption { type = types.nullOr types.str; default = null; };
    environment = mkOption { type = types.attrsOf types.str; default = { }; };
    environmentFiles = mkOption { type = types.listOf types.path; default = [ ]; };
    log-driver = mkOption { type = types.str; default = "journald"; };
    ports = mkOption { type = types.listOf types.str; default = [ ]; };
    user = mkOption { type = types.nullOr types.str; default = null; };
    volumes = mkOption { type = types.listOf types.str; default = [ ]; };
    workdir = mkOption { type = types.nullOr types.str; default = null; };
    dependsOn = mkOption { type = types.listOf types.str; default = [ ]; };
    hostname = mkOption { type = types.nullOr types.str; default = null; };
    preRunExtraOptions = mkOption { type = types.listOf types.str; default = [ ]; };
    extraOptions = mkOption { type = types.listOf types.str; default = [ ]; };
    autoStart = mkOption { type = types.bool; default = true; };
    pull = mkOption { type = types.enum [ "always" "missing" "never" "newer" ]; default = "missing"; };
    capabilities = mkOption { type = types.attrsOf (types.nullOr types.bool); default = { }; };
    devices = mkOption { type = types.listOf types.str; default = [ ]; };
    privileged = mkOption { type = types.bool; default = false; };
    autoRemoveOnStop = mkOption { type = types.bool; default = true; };
    networks = mkOption { type = types.listOf types.str; default = [ ]; };
  };
in
{
  options.virtualisation.oci-containers = {
    backend = mkOption { type = types.enum [ "podman" "docker" ]; default = "podman"; };
    containers = mkOption { type = types.attrsOf (types.submodule container); default = { }; };
  };
}
