# A fleet in NixFleet's (seed 004's) shape, where each host's platform comes from the flake output
# that holds it: gpc0 is a NixOS host (nixosConfigurations), imac0 a Mac whose user mba runs
# home-manager (homeConfigurations."mba@imac0", deployed as `home-manager switch --flake
# .#mba@imac0`), and macmini0 a Mac managed by nix-darwin (darwinConfigurations). The
# configurations are plain attribute sets with Flotilla's metadata only: there is no nixpkgs here.
{
  outputs = { self }: {
    nixosConfigurations.gpc0.config = {
      networking.hostName = "gpc0";
      flotilla.machine = {
        role = "desktop";
        healthChecks = [ { type = "http"; url = "http://localhost:8080/health"; } ];
      };
    };
    darwinConfigurations.macmini0.config = {
      networking.hostName = "macmini0";
      flotilla.machine = {
        role = "server";
        dependencies = [ "gpc0" ];
        healthChecks = [ { type = "http"; url = "http://localhost:8081/health"; } ];
      };
    };
    homeConfigurations."mba@imac0".config = {
      home.username = "mba";
      flotilla.machine = {
        role = "desktop";
        healthChecks = [ { type = "http"; url = "http://localhost:8082/health"; } ];
      };
    };
  };
}
