# The NixMox service manifest of seed 003, completed so that it validates.
# Flotilla reads this file unchanged: `./flotilla plan -f examples/nixmox/flotilla.nix`.
# Every service runs in its own LXC, named after the service and reached at its ip.
{
  network = {
    dns_server = "192.168.99.13";
    gateway = "192.168.99.1";
    network_cidr = "192.168.99.0/24";
    vlan_tag = 99;
  };

  core_services = {
    postgresql = {
      enable = true;
      ip = "192.168.99.11";
      hostname = "postgresql.nixmox.lan";
      ports = [ 5432 ];
      interface = {
        terraform = {
          modules = [ "./terraform/postgresql" ];
          variables = { domain = "nixmox.lan"; };
        };
        db = { name = "postgresql"; port = 5432; mode = "standalone"; };
        health = {
          startup = "systemctl is-active --quiet postgresql";
          liveness = "systemctl is-active --quiet postgresql";
          interval = 30;
          timeout = 60;
          retries = 3;
        };
        proxy = { domain = "postgresql.nixmox.lan"; upstream = "localhost:5432"; };
      };
    };

    dns = {
      enable = true;
      ip = "192.168.99.13";
      hostname = "dns.nixmox.lan";
      ports = [ 53 ];
      interface = {
        health = { startup = "systemctl is-active --quiet unbound"; };
      };
    };

    caddy = {
      enable = true;
      ip = "192.168.99.10";
      hostname = "caddy.nixmox.lan";
      depends_on = [ "dns" ];
      ports = [ 80 443 ];
      interface = {
        health = {
          startup = "systemctl is-active --quiet caddy";
          liveness = "curl -f -s http://localhost:80/";
        };
      };
    };

    authentik = {
      enable = true;
      ip = "192.168.99.12";
      hostname = "authentik.nixmox.lan";
      depends_on = [ "postgresql" "dns" ];
      ports = [ 9000 9443 ];
      interface = {
        terraform = {
          modules = [ "./terraform/authentik" ];
          targets = [ "authentik_outpost.embedded" ];
          variables = { domain = "nixmox.lan"; };
        };
        db = { name = "authentik"; port = 5432; mode = "standalone"; };
        proxy = { domain = "auth.nixmox.lan"; upstream = "localhost:9000"; tls = true; };
        health = {
          startup = "systemctl is-active --quiet authentik";
          liveness = "curl -f -s http://localhost:9000/-/health/live/";
          interval = 30;
          timeout = 60;
          retries = 3;
        };
      };
    };
  };

  services = {
    vaultwarden = {
      enable = true;
      ip = "192.168.99.14";
      hostname = "vaultwarden.nixmox.lan";
      depends_on = [ "postgresql" "caddy" "authentik" ];
      ports = [ 8080 ];
      interface = {
        terraform = {
          modules = [ "./terraform/vaultwarden" ];
          targets = [ "authentik_app" "authentik_provider" ];
          variables = {
            domain = "vaultwarden.nixmox.lan";
            oidc_client_id = "vaultwarden-oidc";
            oidc_scopes = [ "openid" "email" "profile" ];
          };
        };
        auth = {
          type = "oidc";
          provider = "authentik";
          oidc = {
            redirect_uris = [ "https://vaultwarden.nixmox.lan/oidc/callback" ];
            scopes = [ "openid" "email" "profile" ];
            username_claim = "preferred_username";
            groups_claim = "groups";
          };
        };
        proxy = { domain = "vaultwarden.nixmox.lan"; upstream = "localhost:8080"; tls = true; authz = true; };
        health = {
          startup = "systemctl is-active --quiet vaultwarden";
          liveness = "curl -f -s http://localhost:8080/alive";
          interval = 30;
          timeout = 60;
          retries = 3;
        };
      };
    };

    guacamole = {
      enable = true;
      ip = "192.168.99.15";
      hostname = "guacamole.nixmox.lan";
      depends_on = [ "postgresql" "caddy" "authentik" ];
      ports = [ 8280 ];
      interface = {
        terraform = {
          modules = [ "./terraform/guacamole" ];
          targets = [ "authentik_app" "authentik_provider" "authentik_outpost" ];
          variables = {
            domain = "guacamole.nixmox.lan";
            oidc_client_id = "guacamole-oidc";
            oidc_scopes = [ "openid" "email" "profile" ];
          };
        };
        auth = { type = "oidc"; provider = "authentik"; };
        proxy = { domain = "guacamole.nixmox.lan"; upstream = "localhost:8280"; tls = true; authz = true; };
        health = {
          startup = "systemctl is-active --quiet tomcat";
          liveness = "curl -f -s http://localhost:8280/guacamole/";
          interval = 30;
          timeout = 60;
          retries = 3;
        };
      };
    };

    # Kept to show that disabled services are left out of the fleet.
    nextcloud = {
      enable = false;
      ip = "192.168.99.16";
      hostname = "nextcloud.nixmox.lan";
      depends_on = [ "postgresql" "caddy" ];
    };
  };
}
