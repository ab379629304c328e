# Seed 000's Phase 2: homebridge managed by the Dagger module, with its Configuration Reference.
{...}: {
  imports = [./../../services/dagger/homebridge.nix];

  services.dagger.homebridge = {
    enable = true;
    image = "ghcr.io/homebridge/homebridge:latest";
    dataDir = "/var/lib/homebridge";
    port = 8581;
    childBridgePorts = [50000 50001 50002];
    portRange = {
      from = 50100;
      to = 50200;
    };
    enableAutoUpdate = true;
    enableBackup = true;
    enableMonitoring = true;
    network = "host";
  };

  networking.hostName = "svr1chng";
}
