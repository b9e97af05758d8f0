# frozen_string_literal: true

# config.yml as the 7.x cookbook writes it (libraries/config_helper.rb, dump_scalr_configuration):
# settings generated from the node attributes, app[:configuration] merged over them with Chef's
# hash-only merge, then dumped to YAML and loaded back "safely" before the final dump. The data
# returned here is that loaded-back value: what Scalr's PHP reads.

require 'date'
require 'yaml'
require_relative 'scalr_loader'

module ScalrConfigYml
  module_function

  # node[:scalr_server][a][b]: the attribute reader turns a symbol key into a string for a hash;
  # any other value is indexed as Ruby does, and fails the same way (nil has no [], a String
  # wants an Integer).
  def at(node, *path)
    path.reduce(node) { |value, key| value.is_a?(Hash) ? value[key.to_s] : value[key] }
  end

  # The connection settings of one database, a new hash at each use as in the cookbook.
  def database(node, name_key, host_key, port_key)
    host = at(node, :app, host_key)
    {
      'host' => host == 'localhost' ? '127.0.0.1' : host,
      'port' => at(node, :app, port_key),
      'user' => at(node, :mysql, :scalr_user),
      'pass' => at(node, :mysql, :scalr_password),
      'name' => at(node, :mysql, name_key)
    }
  end

  def scalr_database(node)
    database(node, :scalr_dbname, :mysql_scalr_host, :mysql_scalr_port)
  end

  # A subset of the generated settings: those made from attributes or constants. Left out: the
  # analytics, load_statistics and crontab sections, which come from the path and service helpers.
  def generated(node)
    {
      'scalr' => {
        'csg' => {
          'enabled' => at(node, :csg, :enable),
          'mysql' => scalr_database(node),
          'endpoint' => { 'host' => at(node, :csg, :bind_host), 'port' => at(node, :csg, :bind_port) }
        },
        'connections' => { 'mysql' => scalr_database(node) },
        'email' => { 'address' => at(node, :app, :email_from_address), 'name' => at(node, :app, :email_from_name) },
        'auth_mode' => 'scalr',
        'instances_connection_policy' => at(node, :app, :instances_connection_policy),
        'system' => {
          'default_disable_firewall_management' => false,
          'instances_connection_timeout' => 4,
          'server_terminate_timeout' => '+3 minutes',
          'scripting' => {
            'logs_storage' => 'instance',
            'default_instance_log_rotation_period' => 36_000,
            'default_abort_init_on_script_fail' => 1
          }
        },
        'endpoint' => { 'scheme' => at(node, :routing, :endpoint_scheme), 'host' => at(node, :routing, :endpoint_host) },
        'aws' => {
          'ip_pool' => at(node, :app, :ip_ranges),
          'security_group_name' => "scalr.#{at(node, :app, :id)}.ip-pool"
        },
        'billing' => { 'enabled' => false },
        'dns' => {
          'mysql' => scalr_database(node),
          'static' => { 'enabled' => false, 'nameservers' => %w[ns1.example-dns.net ns2.example-dns.net],
                        'domain_name' => 'example-dns.net' },
          'global' => { 'enabled' => false,
                        'nameservers' => %w[ns1.example.net ns2.example.net ns3.example.net ns4.example.net],
                        'default_domain_name' => 'provide.domain.here.in' }
        },
        'ui' => { 'mindterm_enabled' => true },
        'scalarizr_update' => { 'mode' => 'client', 'default_repo' => 'stable' }
      }
    }
  end

  # The settings Scalr reads from config.yml. A configuration that is not a hash is dropped without
  # a word, as Mash.new(non-hash) makes an empty Mash whose default is that value.
  def loaded(node)
    config = Mash.new(generated(node))
    extra = at(node, :app, :configuration)
    config = ScalrLoader.hash_only_merge(config, Mash.new(extra)) unless extra.nil?
    check_sortable(config)
    loaded_back(YAML.dump(config))
  end

  # The cookbook dumps every hash with its keys sorted: keys that cannot be compared (a string and
  # an integer) make reconfigure fail, so they fail here.
  def check_sortable(value, seen = {})
    return if seen.key?(value.object_id)

    case value
    when Hash
      seen[value.object_id] = true
      value.keys.sort
      value.each_value { |v| check_sortable(v, seen) }
    when Array
      seen[value.object_id] = true
      value.each { |v| check_sortable(v, seen) }
    end
  end

  # SafeYAML's safe load of the first dump: tags are ignored (a Mash comes back a plain Hash) and a
  # plain scalar that reads as a symbol stays a string, so :ldap becomes ":ldap".
  def loaded_back(text)
    scanner = Psych::ScalarScanner.new(Psych::ClassLoader.new)
    plain(Psych.parse(text).root, scanner, {})
  end

  def plain(node, scanner, anchors)
    return anchors.fetch(node.anchor) if node.is_a?(Psych::Nodes::Alias)

    value = case node
            when Psych::Nodes::Mapping
              node.children.each_slice(2).each_with_object({}) do |(k, v), h|
                h[plain(k, scanner, anchors)] = plain(v, scanner, anchors)
              end
            when Psych::Nodes::Sequence
              node.children.map { |c| plain(c, scanner, anchors) }
            else
              scalar(node, scanner)
            end
    anchors[node.anchor] = value if node.anchor
    value
  end

  def scalar(node, scanner)
    return node.value if node.quoted

    value = scanner.tokenize(node.value)
    value.is_a?(Symbol) ? node.value : value
  end
end
