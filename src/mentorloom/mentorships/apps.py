from django.apps import AppConfig


class MentorshipsConfig(AppConfig):
    name = "mentorloom.mentorships"
    label = "mentorships"
