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

  # Seed 000's "Container Resource Limits", as its Performance Tuning section writes them.
  systemd.services."dagger-automation-homebridge".serviceConfig = {
    MemoryMax = "2G";
    CPUQuota = "200%";
    TasksMax = "1000";
  };

  networking.hostName = "svr1chng";
}
