# The official WordPress image plus phpredis, which the wpgate drop-in needs.
FROM wordpress:6.8-php8.2-apache
RUN pecl install redis && docker-php-ext-enable redis
