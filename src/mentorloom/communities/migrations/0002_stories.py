"""Stories: a mentor's longer post (a root post of a channel) with a title, listed on their profile."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('communities', '0001_initial'),
        ('messaging', '0010_conversation_kind_workshop'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='Story',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('title', models.CharField(max_length=120)),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('author', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='community_stories', to=settings.AUTH_USER_MODEL)),
                ('channel', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='stories', to='communities.channel')),
                ('community', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='stories', to='communities.community')),
                ('message', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='community_story', to='messaging.message')),
            ],
            options={
                'verbose_name_plural': 'stories',
                'ordering': ['-created_at', '-id'],
                'indexes': [models.Index(fields=['author', '-created_at'], name='story_author_newest')],
            },
        ),
    ]
