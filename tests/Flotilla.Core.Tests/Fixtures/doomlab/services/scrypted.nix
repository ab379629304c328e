{
  config,
  pkgs,
  lib,
  ...
}: {
  virtualisation.oci-containers = {
    backend = "podman";
    containers = {
      "scrypted" = {
        image = "ghcr.io/koush/scrypted";
        environment = {
          SCRYPTED_DOCKER_AVAHI = "true";
        };
        volumes = [
          "/var/lib/scrypted:/server/volume:rw"
        ];
        labels = {
          "io.containers.autoupdate" = "registry";
        };
        log-driver = "journald";
        extraOptions = [
          "--log-opt=max-file=10"
          "--log-opt=max-size=10m"
          "--network=host"
          "--security-opt=apparmor:unconfined"
          "--dns=1.1.1.1,1.0.0.1"
        ];
      };
    };
  };

  systemd.tmpfiles.rules = ["d /var/lib/scrypted 0755 root root"];
}
