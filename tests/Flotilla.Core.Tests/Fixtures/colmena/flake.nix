# A flake in colmena's shape (its manual, "Usage with Flakes"): the hive under `colmena`, its
# nodes NixOS modules (functions of { name, nodes, pkgs, ... } or sets) with `deployment.*`, and
# `defaults` for every node; deploy-rs' `deploy.nodes` (its README) for one more machine; and
# nixosConfigurations for all of them plus one that neither tool knows. nixpkgs is not here: the
# configurations are built with the stand-in module system in nix/. When `flotilla init` has
# written flotilla-machines.nix, each configuration imports Flotilla's machine module and its entry,
# as the file's own comment tells a user to.
{
  outputs = { self }:
    let
      lib = import ./nix/lib.nix;
      pkgs = import ./nix/pkgs.nix { };
      written = if builtins.pathExists ./flotilla-machines.nix then import ./flotilla-machines.nix else { };
      machine = name: hostName: lib.evalModules {
        modules = [ ./nix/nixos.nix { networking.hostName = hostName; } ]
          ++ (if written ? ${name} then [ ./modules/flotilla-machine.nix written.${name} ] else [ ]);
        specialArgs = { inherit pkgs; };
      };
    in
    {
      colmena = {
        meta = { nixpkgs = throw "colmena's meta.nixpkgs: not read by flotilla init"; };
        defaults = { pkgs, ... }: { deployment.targetUser = "deploy"; };
        web-1 = { name, nodes, pkgs, ... }: {
          deployment = { targetHost = "${name}.example.lan"; targetPort = 2222; tags = [ "web" "eu" ]; };
          time.timeZone = nodes.db.config.time.timeZone;
        };
        db = {
          deployment.targetHost = "10.0.0.5";
          deployment.targetUser = "root";
          deployment.tags = [ "db" ];
        };
      };

      deploy.nodes.backup = {
        hostname = "backup.example.lan";
        sshUser = "admin";
        profiles.system = { user = "root"; path = throw "deploy-rs' activate: not read by flotilla init"; };
      };

      nixosConfigurations = {
        web-1 = machine "web-1" "web1";
        db = machine "db" "db";
        backup = machine "backup" "backup";
        lonely = machine "lonely" "lonely.lan";
      };
    };
}
