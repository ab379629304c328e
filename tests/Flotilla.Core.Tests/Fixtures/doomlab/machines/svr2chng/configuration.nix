# Seed 001's "Basic Setup (Enhancement Mode)", with every service of the nixarr set.
{...}: {
  imports = [./../../services/dagger/nixarr.nix];

  services.dagger.nixarr.integration = {
    enable = true;
    enhanceExistingServices = true;
  };
  services.dagger.nixarr = {
    sonarr.enable = true;
    radarr.enable = true;
    prowlarr.enable = true;
    bazarr.enable = true;
    transmission.enable = true;
    jellyfin.enable = true;
  };
  services.dagger.secrets.enable = true;

  networking.hostName = "svr2chng";
}
