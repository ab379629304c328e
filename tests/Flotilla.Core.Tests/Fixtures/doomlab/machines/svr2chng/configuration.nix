# Seed 001's "Basic Setup (Enhancement Mode)", with every service of the nixarr set.
{...}: {
  imports = [./../../services/dagger/nixarr.nix ./../../modules/servarr.nix];

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

  # nixarr's NixOS sonarr, still running beside the container that replaces it (seed 001's
  # side-by-side migration).
  services.sonarr = {
    enable = true;
    dataDir = "/var/lib/nixarr/sonarr";
  };

  networking.hostName = "svr2chng";
}
