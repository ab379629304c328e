{
  config,
  pkgs,
  lib,
  ...
}: {
  # Generated with compose2nix, as doomlab's services are.
  networking.firewall = {
    allowedTCPPorts = [5353 50000 50001 50002];
    allowedUDPPorts = [5353];
    allowedTCPPortRanges = [
      {
        from = 50100;
        to = 50200;
      }
    ];
  };

  virtualisation.podman = {
    enable = true;
    autoPrune.enable = true;
    dockerCompat = true;
    defaultNetwork.settings.dns_enabled = true;
  };

  virtualisation.oci-containers = {
    backend = "podman";
    containers = {
      "homebridge" = {
        image = "ghcr.io/homebridge/homebridge";
        volumes = [
          "/var/lib/homebridge:/homebridge:rw"
        ];
        labels = {
          "io.containers.autoupdate" = "registry";
        };
        log-driver = "journald";
        extraOptions = [
          "--log-opt=max-file=1"
          "--log-opt=max-size=10mb"
          "--network=host"
          "--dns=1.1.1.1,1.0.0.1"
        ];
      };
    };
  };

  sops.secrets."kopia-repository-token" = {};

  systemd = {
    tmpfiles.rules = ["d /var/lib/homebridge 0755 root root"];
    services."podman-homebridge".serviceConfig.Restart = lib.mkOverride 500 "always";
    timers."podman-auto-update".timerConfig = {
      OnCalendar = "*-*-* 7:00:00";
      RandomizedDelaySec = "1h";
    };
  };

  environment.persistence."/nix/persist".directories = ["/var/lib/homebridge" "/var/lib/containers"];
}
